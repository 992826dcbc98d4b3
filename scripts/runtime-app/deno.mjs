import { createApp } from './app.mjs';

const app = await createApp(Deno.env.get('ORIGIN'), Deno.env.get('SECRET'));
Deno.serve(
  { hostname: '127.0.0.1', port: Number(new URL(Deno.env.get('ORIGIN')).port), onListen: () => console.log('listening') },
  (request) => app.fetch(request),
);
