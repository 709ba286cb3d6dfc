/** Emulated pool members: the modelled CPU, one member's servers, and the emulator hooks that run them. */
export { CPU_MODES, CpuModel, DEFAULT_LOAD_CPU_SECONDS, modeSeconds, renderCpuMetrics, type CpuTimes } from "./cpuModel.js";
export { startMember, type EmulatedMember, type MemberClock, type MemberOptions } from "./member.js";
export { memberHooks, type MemberHooks, type MemberHooksOptions } from "./hooks.js";
