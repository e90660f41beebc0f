/** An account. `passwordHash` is absent for accounts that sign in with the emailed code alone. */
export interface User {
  email: string;
  passwordHash?: string;
  /** Epoch ms. */
  createdAt: number;
}
