/** The vLLM version the simulator claims on /version; "+sim" tells it apart from a real server. */
export const SIMULATED_VLLM_VERSION = '0.11.0+sim';

/** Every path the simulator serves, for the server, its tests and evalflow's sim backend. */
export const SIMULATOR_PATHS = {
  health: '/health',
  version: '/version',
  models: '/v1/models',
  metrics: '/metrics',
  completions: '/v1/completions',
  chat: '/v1/chat/completions',
  adminAnswers: '/admin/answers',
  adminFaults: '/admin/faults',
  adminRequests: '/admin/requests',
  adminResetRequests: '/admin/reset-requests',
} as const;

export const DEFAULT_HOST = '127.0.0.1';

/** Longer than any client pool's idle timeout (undici: 4 s), so the client always closes first and never races a server close. */
export const KEEP_ALIVE_TIMEOUT_MS = 75_000;
