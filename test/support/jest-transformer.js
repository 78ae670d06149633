// Jest on Node 20 cannot require ES modules, and @nestjs/* 12 ships only ES modules (Node itself loads them
// through require(esm), which Jest's module runtime does not implement before Node 24.9). This transformer
// compiles those packages to CommonJS with SWC, as it does our TypeScript, after rewriting the two ESM-only
// idioms they use: `createRequire(import.meta.url)` (CommonJS already has `require`) and `import.meta.url`.
const { createTransformer } = require('@swc/jest');

const TRANSFORM_VERSION = 'esm-to-cjs-1';

function rewriteEsmOnlyIdioms(source) {
  return source
    .replace(/const require = createRequire\(import\.meta\.url\);?/g, '')
    .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href");
}

module.exports = {
  createTransformer(swcOptions) {
    const swc = createTransformer(swcOptions);
    const prepare = (source, filename) =>
      filename.includes('/node_modules/') ? rewriteEsmOnlyIdioms(source) : source;
    return {
      canInstrument: swc.canInstrument,
      process(source, filename, options) {
        return swc.process(prepare(source, filename), filename, options);
      },
      getCacheKey(source, filename, options) {
        return swc.getCacheKey(source, filename, options) + TRANSFORM_VERSION;
      },
    };
  },
};
