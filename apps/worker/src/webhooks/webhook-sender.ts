import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { EndpointPolicy, WebhookHeaders } from '@registry/domain';
import { guardedLookup } from '@registry/platform';
import http from 'node:http';
import https from 'node:https';

/** What one attempt came to: a 2xx is delivered; anything else (or no answer) is a failure to retry. */
export type SendResult =
  { delivered: true; status: number } | { delivered: false; status: number | null; error: string };

/** Where deliveries go out; abstract so that a unit test can stand in for the network. */
export abstract class WebhookSender {
  abstract send(url: string, headers: WebhookHeaders, body: string): Promise<SendResult>;
}

/** The deployment's endpoint policy (allow-listed hosts; http for them only outside production). */
export function endpointPolicyOf(config: Environment): EndpointPolicy {
  return {
    allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
    httpForAllowedHosts: config.NODE_ENV !== 'production',
  };
}

/**
 * POSTs over http(s) with the address check at connection time (guardedLookup), no redirects followed (a
 * redirect could lead anywhere), a hard timeout for the whole attempt, and the response body discarded
 * unread beyond its status: a receiver can neither slow nor fill the worker.
 */
@Injectable()
export class HttpWebhookSender extends WebhookSender {
  constructor(@Inject(Environment) private readonly config: Environment) {
    super();
  }

  send(url: string, headers: WebhookHeaders, body: string): Promise<SendResult> {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise<SendResult>((resolve) => {
      const request = transport.request(
        target,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'trial-ready-registry-webhooks/1',
          },
          lookup: guardedLookup(endpointPolicyOf(this.config)),
          timeout: this.config.WEBHOOK_TIMEOUT_MS,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          response.resume(); // discard the body
          resolve(
            status >= 200 && status < 300
              ? { delivered: true, status }
              : { delivered: false, status, error: `the endpoint answered ${status}` },
          );
        },
      );
      const overall = setTimeout(
        () => request.destroy(new Error('timed out')),
        this.config.WEBHOOK_TIMEOUT_MS,
      );
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ delivered: false, status: null, error: error.message }),
      );
      request.on('close', () => clearTimeout(overall));
      request.end(body);
    });
  }
}
