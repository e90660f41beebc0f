import { DeviceStore, type DeviceRecord } from './device-store.js';

/** {@link DeviceStore} in process memory: development without Redis, and tests. */
export class MemoryDeviceStore extends DeviceStore {
  protected readonly devices = new Map<string, DeviceRecord>();

  async save(hash: string, record: DeviceRecord): Promise<void> {
    this.devices.set(hash, { ...record });
  }

  async get(hash: string): Promise<DeviceRecord | null> {
    return this.live(hash);
  }

  async take(hash: string): Promise<DeviceRecord | null> {
    // Read and delete with no await between them: concurrent takes cannot both see the device.
    const d = this.live(hash);
    this.devices.delete(hash);
    return d;
  }

  async list(email: string): Promise<{ hash: string; record: DeviceRecord }[]> {
    const now = Date.now();
    return [...this.devices]
      .filter(([, d]) => d.email === email && d.expiresAt > now)
      .map(([hash, d]) => ({ hash, record: { ...d } }));
  }

  async remove(email: string, hashes: string[]): Promise<void> {
    for (const h of hashes) if (this.devices.get(h)?.email === email) this.devices.delete(h);
  }

  /** A copy of the device of this hash when it has not expired, else null. */
  protected live(hash: string): DeviceRecord | null {
    const d = this.devices.get(hash);
    if (!d || d.expiresAt <= Date.now()) return null;
    return { ...d };
  }
}
