export { buildApp, type ApiDeps } from './app';
export { startApi } from './server';
