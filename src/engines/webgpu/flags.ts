/**
 * The WebGPU flag constants the engine uses, by value. The browser's GPUBufferUsage and
 * GPUMapMode are globals, and a GPU object from elsewhere (Dawn in Node: src/node/) comes
 * without them; the values are fixed by the WebGPU specification's IDL, so the engine
 * works with any GPU it is given and never needs, or installs, a global.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export const MapMode = {
  READ: 0x0001,
} as const;
