// workerd: the origin and the secret are bindings; the app is built on the first request.
import { createApp } from './app.mjs';

let app;
export default {
  async fetch(request, env) {
    app ??= createApp(env.ORIGIN, env.SECRET);
    return (await app).fetch(request);
  },
};
