export class DependenciesDto {
  database: 'up' | 'down';
  redis: 'up' | 'down';
}

export class LivenessDto {
  /** @example ok */
  status: 'ok';
  /** @example api */
  service: string;
}

export class ReadinessDto {
  status: 'ready' | 'not_ready';
  dependencies: DependenciesDto;
  /**
   * The dependencies that are down, by name
   * @example []
   */
  failing: string[];
}
