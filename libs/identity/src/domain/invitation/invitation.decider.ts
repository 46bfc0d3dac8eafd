import type { MembershipRemovalReason } from '@idp/contracts';
import type { Command, Decider } from '@idp/eventing';

/**
 * What the identity service knows of one pending invitation (stream `invitation-<membershipId>`), learnt from
 * `membership.events`: enough to recognise a sign-up with its token (ADR 007: only the token's SHA-256). The
 * membership service owns invitations; this is identity's durable record of the facts it needs, kept in its own
 * store so that it survives a restart in every mode and the `invitations` read model can be rebuilt from it.
 *
 * Every command carries the position of the membership event it comes from (`source.position`, a decimal
 * string): a command whose position is not above the last one applied changes nothing, so redeliveries and
 * replays of the topic append nothing (the same guard as the read stores', ADR 005).
 */

/** The membership event a fact was learnt from: its id (causation) and its position in membership's store. */
export interface SourceEvent {
  eventId: string;
  position: string;
}

/** Why an invitation stopped being pending: accepted, or its membership removed (organization deleted included). */
export type InvitationCloseReason = 'accepted' | MembershipRemovalReason;

export type InvitationEvent =
  | {
      type: 'InvitationRecorded';
      data: {
        membershipId: string;
        organizationId: string;
        /** Trimmed, NFC, lower-cased: compared with a sign-up's address. */
        email: string;
        /** SHA-256 (hex) of the token's secret part. */
        tokenHash: string;
        expiresAt: string;
        source: SourceEvent;
      };
    }
  | {
      type: 'InvitationClosed';
      data: {
        membershipId: string;
        organizationId: string;
        reason: InvitationCloseReason;
        source: SourceEvent;
      };
    };

export type InvitationCommand = (
  | { type: 'RecordInvitation'; data: Extract<InvitationEvent, { type: 'InvitationRecorded' }>['data'] }
  | {
      type: 'CloseInvitation';
      data: {
        membershipId: string;
        organizationId: string;
        reason: InvitationCloseReason;
        source: SourceEvent;
      };
    }
) &
  Pick<Command, 'metadata'>;

export type InvitationState =
  | { status: 'none' }
  | {
      status: 'pending';
      organizationId: string;
      email: string;
      tokenHash: string;
      expiresAt: string;
      position: bigint;
    }
  | { status: 'closed'; organizationId: string; position: bigint };

/** The e-mail form invitations are compared in: trimmed, NFC, lower-cased (as the reservations compare). */
export const normalizeInvitedEmail = (email: string): string => email.trim().normalize('NFC').toLowerCase();

export const invitationStream = (membershipId: string) => `invitation-${membershipId}`;

const positionOf = (source: SourceEvent): bigint => BigInt(source.position);

/** True when a fact from `source` is older than (or the same as) what the state already reflects. */
const seen = (state: InvitationState, source: SourceEvent): boolean =>
  state.status !== 'none' && positionOf(source) <= state.position;

export const invitationDecider: Decider<InvitationCommand, InvitationEvent, InvitationState> = {
  initialState: () => ({ status: 'none' }),

  evolve: (state, event) => {
    switch (event.type) {
      case 'InvitationRecorded': {
        const { organizationId, email, tokenHash, expiresAt, source } = event.data;
        return {
          status: 'pending',
          organizationId,
          email,
          tokenHash,
          expiresAt,
          position: positionOf(source),
        };
      }
      case 'InvitationClosed':
        return {
          status: 'closed',
          organizationId: event.data.organizationId,
          position: positionOf(event.data.source),
        };
      default:
        return state;
    }
  },

  decide: (command, state) => {
    switch (command.type) {
      case 'RecordInvitation': {
        if (seen(state, command.data.source)) return [];
        // A re-invite refreshes the token and the expiry; one after a cancellation opens it again.
        return [
          {
            type: 'InvitationRecorded',
            data: { ...command.data, email: normalizeInvitedEmail(command.data.email) },
          },
        ];
      }
      case 'CloseInvitation': {
        // Removing a membership identity never saw invited (an active member, the creator) records nothing.
        if (state.status !== 'pending' || seen(state, command.data.source)) return [];
        return [{ type: 'InvitationClosed', data: command.data }];
      }
    }
  },
};
