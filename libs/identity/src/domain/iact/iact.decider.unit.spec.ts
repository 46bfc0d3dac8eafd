import { spec } from '@idp/eventing/testing';
import { type IactEvent, iactDecider, InvalidInitialAdminToken } from './iact.decider';

const NOW = '2026-11-26T10:00:00.000Z';
const issued = (hash = 'h1'): IactEvent => ({
  type: 'InitialAdminTokenIssued',
  data: { tokenHash: hash, sealedToken: `sealed:${hash}`, issuedAt: NOW },
});
const consumed = (userId = 'user-1'): IactEvent => ({
  type: 'InitialAdminTokenConsumed',
  data: { userId, consumedAt: NOW },
});
const issue = (hash: string, adminExists = false) => ({
  type: 'IssueInitialAdminToken' as const,
  data: { tokenHash: hash, sealedToken: `sealed:${hash}`, adminExists, now: NOW },
});
const consume = (hash: string, userId = 'user-1') => ({
  type: 'ConsumeInitialAdminToken' as const,
  data: { tokenHash: hash, userId, now: NOW },
});

const iact = spec(iactDecider);

describe('initial admin creation token', () => {
  it('is issued once, at the first start', () => {
    iact
      .given([])
      .when(issue('h1'))
      .then([issued('h1')]);
    iact
      .given([issued('h1')])
      .when(issue('h2'))
      .thenNothingHappened();
  });

  it('is consumed once, by the right token only', () => {
    iact
      .given([issued('h1')])
      .when(consume('h1'))
      .then([consumed()]);
    iact
      .given([issued('h1')])
      .when(consume('h2'))
      .thenThrows(InvalidInitialAdminToken, { code: 'IACT.INVALID' });
    iact
      .given([issued('h1'), consumed()])
      .when(consume('h1', 'user-2'))
      .thenThrows(InvalidInitialAdminToken);
    iact.given([]).when(consume('h1')).thenThrows(InvalidInitialAdminToken);
  });

  it('is not reissued once the admin exists, but is when the consumer never became admin', () => {
    iact
      .given([issued('h1'), consumed()])
      .when(issue('h2', true))
      .thenNothingHappened();
    iact
      .given([issued('h1'), consumed()])
      .when(issue('h2', false))
      .then([issued('h2')]);
  });

  it('is reopened only by the caller that consumed it', () => {
    const reopen = (userId: string) => ({
      type: 'ReopenInitialAdminToken' as const,
      data: { userId, now: NOW },
    });
    iact
      .given([issued('h1'), consumed('user-1')])
      .when(reopen('user-1'))
      .thenState((s) => expect(s).toEqual({ status: 'issued', tokenHash: 'h1', sealedToken: 'sealed:h1' }));
    iact
      .given([issued('h1'), consumed('user-1')])
      .when(reopen('user-2'))
      .thenNothingHappened();
    iact
      .given([issued('h1')])
      .when(reopen('user-1'))
      .thenNothingHappened();
  });
});
