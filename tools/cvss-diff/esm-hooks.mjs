// Module hooks that let node load @pandatix/js-cvss 0.4.4: its dist/ files are ES modules that
// import each other without the ".js" extension and its package.json does not say
// "type": "module", so plain node refuses them (ERR_MODULE_NOT_FOUND, or a syntax error on
// node 18). Only that package's files are touched. Registered by cvss_reference.mjs.
const PACKAGE_DIR = '/node_modules/@pandatix/js-cvss/dist/';

export async function resolve(specifier, context, next) {
  if (context.parentURL && context.parentURL.includes(PACKAGE_DIR) && /^\.\.?\//.test(specifier) &&
      !/\.[cm]?js$/.test(specifier)) {
    return next(specifier + '.js', context);
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.includes(PACKAGE_DIR)) return next(url, { ...context, format: 'module' });
  return next(url, context);
}
