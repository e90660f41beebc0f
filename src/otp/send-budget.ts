import type { SendPolicy } from './otp.types.js';

/**
 * Milliseconds before one more send fits `policy`, given the times (epoch ms, oldest first) of the
 * sends still kept: the cooldown after the latest, and for each cap full in its window, until its
 * oldest counted send leaves it. 0 when a send is allowed now.
 */
export function sendWaitMs(times: readonly number[], policy: SendPolicy, now: number): number {
  const last = times.at(-1);
  if (last !== undefined && now - last < policy.cooldownMs) return policy.cooldownMs - (now - last);
  let wait = 0;
  for (const cap of policy.caps) {
    const inWindow = times.filter((t) => t >= now - cap.windowMs);
    if (inWindow.length >= cap.max) {
      wait = Math.max(wait, inWindow[inWindow.length - cap.max] + cap.windowMs - now);
    }
  }
  return wait;
}
