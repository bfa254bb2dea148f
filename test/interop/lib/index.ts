/** The interop harness in one import: `import { createLab, startGobgpd, … } from './lib/index.js'`. */
export * from './netns.js';
export * from './process.js';
export * from './wait.js';
export * from './types.js';
export * from './routes.js';
export * from './gobgpd.js';
export * from './frr.js';
export * from './bird.js';
export * from './exabgp.js';
export * from './bgpiped.js';
export * from './http.js';
export * from './bagpipe.js';
