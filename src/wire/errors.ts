/**
 * NOTIFICATION error codes and subcodes (RFC 4271 §4.5, §6; RFC 4486; RFC 7313; RFC 8203)
 * and the error type the codec throws.
 *
 * The codec never decides what a session does with an error: it throws a `BgpError` carrying
 * the code, subcode and data of the NOTIFICATION that RFC 4271 §6 prescribes, and the session
 * layer sends it. RFC 7606's gentler outcomes (treat-as-withdraw, attribute discard) are not
 * errors at all: they are reported inside the decoded UPDATE.
 */

export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FsmError: 5,
  Cease: 6,
  RouteRefresh: 7,
} as const;

export const HeaderSubcode = { ConnectionNotSynchronized: 1, BadMessageLength: 2, BadMessageType: 3 } as const;

export const OpenSubcode = {
  UnsupportedVersion: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  RoleMismatch: 11,
} as const;

export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOrigin: 6,
  InvalidNextHop: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** RFC 6608: errors in the FSM say which state the unexpected message arrived in. */
export const FsmSubcode = { UnexpectedInOpenSent: 1, UnexpectedInOpenConfirm: 2, UnexpectedInEstablished: 3 } as const;

/** RFC 4486 Cease subcodes. */
export const CeaseSubcode = {
  MaxPrefixes: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
} as const;

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

export function errorName(code: number, subcode: number): string {
  return `${CODE_NAMES[code] ?? `code ${code}`} / subcode ${subcode}`;
}

/** An error that ends the session with NOTIFICATION(code, subcode, data). */
export class BgpError extends Error {
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly data: Buffer = Buffer.alloc(0),
  ) {
    super(`${errorName(code, subcode)}: ${message}`);
    this.name = 'BgpError';
  }
}
