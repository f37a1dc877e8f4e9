// Entry of the mmap fault worker: teach this thread to load TypeScript, then run the server.
import { register } from 'tsx/esm/api';

register();
await import('./fault-server.ts');
