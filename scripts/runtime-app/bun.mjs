import { createApp } from './app.mjs';

const app = await createApp(process.env.ORIGIN, process.env.SECRET);
Bun.serve({ hostname: '127.0.0.1', port: Number(new URL(process.env.ORIGIN).port), fetch: (request) => app.fetch(request) });
console.log('listening');
