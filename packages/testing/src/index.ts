/**
 * @biopath/testing — probes, real-device helpers and the leak gate shared by every package's tests.
 */
export { probe } from './probe.ts';
export type { ProbeResult } from './probe.ts';
export {
  withLoopDevice, attachLoop, detachLoop, createImage, removeImage, readImage, attachedLoopDevices, liveImages,
} from './loop.ts';
export type { ImageOptions } from './loop.ts';
export { leakSnapshot, expectNoLeaks, biopathFds } from './leak-gate.ts';
export type { LeakSnapshot } from './leak-gate.ts';
export { DEFAULT_PROPERTY_SEED, propertySeed, propertyParams, configurePropertySeed } from './property.ts';
export { allowLeaks } from './allow-leaks.ts';
export { publicApiDeclarations } from './public-api.ts';
export { withThreadpoolBlocked, threadpoolSize } from './threadpool.ts';
export type { ThreadpoolBlocked } from './threadpool.ts';
