/**
 * CNI errors (CNI spec §"Error": `{"cniVersion", "code", "msg", "details"}` on stdout, non-zero
 * exit). Codes 1–99 are the spec's; 100+ are this plugin's own.
 */
export const CniCode = {
  /** 1: the cniVersion is not one this plugin speaks. */
  IncompatibleVersion: 1,
  /** 2: a field this plugin does not understand (unused: unknown fields are ignored). */
  UnsupportedField: 2,
  /** 3: the container or its network namespace does not exist. */
  UnknownContainer: 3,
  /** 4: a CNI_* environment variable is missing or invalid. */
  InvalidEnvironment: 4,
  /** 5: I/O failure (a kernel command failed). */
  IoFailure: 5,
  /** 6: stdin is not JSON, or a delegated plugin's answer is not. */
  DecodingFailure: 6,
  /** 7: invalid network configuration; the message names the field. */
  InvalidConfig: 7,
  /** 11: try again later (bgpiped is not reachable). */
  TryAgainLater: 11,
  /** 50 (STATUS, CNI 1.1): the plugin cannot service ADD now. */
  NotAvailable: 50,
  /** 100: bgpiped answered but refused the attachment (its description is in msg). */
  AttachRefused: 100,
  /** 101: CHECK found the container's network not as ADD made it. */
  CheckFailed: 101,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'CniError';
  }

  toJson(cniVersion: string): Record<string, unknown> {
    return { cniVersion, code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
