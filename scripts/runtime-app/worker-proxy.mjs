// workerd: the OAuth proxy app, its settings as bindings; built on the first request.
import { createProxyApp } from './proxy.mjs';

let app;
export default {
  async fetch(request, env) {
    app ??= createProxyApp(env);
    return (await app)(request);
  },
};
