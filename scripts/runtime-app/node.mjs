import { createServer } from 'node:http';
import { toNodeHandler } from '@mcpauth/core/node';
import { createApp } from './app.mjs';

const app = await createApp(process.env.ORIGIN, process.env.SECRET);
const port = Number(new URL(process.env.ORIGIN).port);
createServer(toNodeHandler((request) => app.fetch(request))).listen(port, '127.0.0.1', () => console.log('listening'));
