module.exports = async function globalTeardown() {
  await globalThis.__SLIPWAY_EMULATORS__?.stop();
};
