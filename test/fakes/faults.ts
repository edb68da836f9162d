/** A fault a fake API server injects: on requests matching method and path, `times` times (default once). */
export interface MatchableFault {
  method?: string;
  path?: RegExp;
  times?: number;
}

/** The first fault that matches this request, used up by one; null when none matches. */
export function takeFault<F extends MatchableFault>(faults: F[], method: string, path: string): F | null {
  const fault = faults.find((f) => (f.method === undefined || f.method === method) && (f.path === undefined || f.path.test(path)));
  if (fault === undefined) return null;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
  return fault;
}
