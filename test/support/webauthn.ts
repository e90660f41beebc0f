/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** A credential as the DevTools protocol's `WebAuthn.getCredentials` gives it. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

/**
 * A browser tab with a virtual authenticator (Chromium's DevTools protocol: `WebAuthn.enable`,
 * `WebAuthn.addVirtualAuthenticator`): an internal platform authenticator with resident keys and
 * user verification that answers without a person. {@link create} and {@link get} run
 * `navigator.credentials` in a page of `origin`, so the client data names that origin, and give the
 * JSON the browser would post (`PublicKeyCredential.toJSON()`).
 */
export class VirtualAuthenticator {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly cdp: CDPSession,
    readonly authenticatorId: string,
  ) {}

  /** Opens a tab at `origin` (a page of the app that needs no session: a 404) with a new authenticator. */
  static async open(
    browser: Browser,
    origin: string,
    options: { isUserVerified?: boolean; backupEligibility?: boolean } = {},
  ): Promise<VirtualAuthenticator> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/webauthn-test-blank`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: options.isUserVerified ?? true,
        automaticPresenceSimulation: true,
        defaultBackupEligibility: options.backupEligibility ?? false,
        defaultBackupState: options.backupEligibility ?? false,
      },
    });
    return new VirtualAuthenticator(context, page, cdp, authenticatorId);
  }

  /** Moves the tab to another origin (the authenticator stays): a response made there names it. */
  async goTo(origin: string): Promise<void> {
    await this.page.goto(`${origin}/webauthn-test-blank`);
  }

  /** `navigator.credentials.create()` with the server's creation options. */
  create(options: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
    return this.page.evaluate(async (json) => {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json as never);
      const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
      return credential.toJSON() as never;
    }, options);
  }

  /** `navigator.credentials.get()` with the server's request options. */
  get(options: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON> {
    return this.page.evaluate(async (json) => {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as never);
      const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
      return credential.toJSON() as never;
    }, options);
  }

  /** The authenticator's credentials, with their private keys and signature counters. */
  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId });
    return credentials;
  }

  /** Sets a credential's signature counter (as a cloned or reset authenticator would have it). */
  setSignCount(credentialId: string, signCount: number): Promise<void> {
    return this.replaceCredential(credentialId, { signCount });
  }

  /** Sets a credential's backup eligibility (BE) and state (BS) flags, as a tampered authenticator would. */
  setBackupEligibility(credentialId: string, eligible: boolean): Promise<void> {
    return this.replaceCredential(credentialId, { backupEligibility: eligible, backupState: eligible });
  }

  private async replaceCredential(credentialId: string, change: Partial<VirtualCredential>): Promise<void> {
    const credential = (await this.credentials()).find((c) => c.credentialId === credentialId);
    if (!credential) throw new Error(`no virtual credential ${credentialId}`);
    await this.cdp.send('WebAuthn.removeCredential', { authenticatorId: this.authenticatorId, credentialId });
    await this.cdp.send('WebAuthn.addCredential', {
      authenticatorId: this.authenticatorId,
      credential: { ...credential, ...change },
    });
  }

  /** Copies a credential (its private key) into another authenticator: a clone. */
  async copyTo(other: VirtualAuthenticator, credentialId: string): Promise<void> {
    const credential = (await this.credentials()).find((c) => c.credentialId === credentialId);
    if (!credential) throw new Error(`no virtual credential ${credentialId}`);
    await other.cdp.send('WebAuthn.addCredential', { authenticatorId: other.authenticatorId, credential });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/**
 * A page server on another loopback port of `localhost`: a second origin under the same relying
 * party id, to make responses that name a wrong origin.
 */
export async function startOtherOrigin(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>other</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
