import { type OutgoingSms, type SmsReceipt, SmsError, type SmsSender } from './sms-sender.port';

export interface TwilioSettings {
  /** Base URL of the API: `https://api.twilio.com`, or a compatible provider or test server. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** The sending number (E.164) or messaging service id. */
  from: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

/**
 * `SmsSender` on Twilio's Programmable Messaging API (the shape TFE's Twilio settings assume, TFC-API §12):
 * `POST <base>/2010-04-01/Accounts/<sid>/Messages.json`, form-encoded `To`, `From`, `Body`, HTTP basic auth
 * `<sid>:<auth token>`; 201 answers JSON with the message `sid`. 429, 5xx and network failures are transient;
 * any other answer is permanent (Twilio's 400s name a bad number, 401 bad credentials).
 */
export class TwilioSmsSender implements SmsSender {
  constructor(private readonly settings: TwilioSettings) {}

  async send(sms: OutgoingSms): Promise<SmsReceipt> {
    const { baseUrl, accountSid, authToken, from } = this.settings;
    const url = `${baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ To: sms.to, From: from, Body: sms.body }).toString(),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new SmsError(true, `SMS provider unreachable: ${(err as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500)
      throw new SmsError(true, `SMS provider answered ${response.status}`, response.status);
    if (response.status < 200 || response.status >= 300) {
      // Twilio's error body names the problem (`code`, `message`); it never echoes the auth token.
      let detail = '';
      try {
        const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
        detail = `: ${String(parsed.code ?? '')} ${String(parsed.message ?? '')}`.slice(0, 300);
      } catch {
        /* not JSON: the status says enough */
      }
      throw new SmsError(
        false,
        `SMS provider refused the message (${response.status})${detail}`,
        response.status,
      );
    }
    let sid: unknown;
    try {
      sid = (JSON.parse(text) as { sid?: unknown }).sid;
    } catch {
      sid = undefined;
    }
    return { messageId: typeof sid === 'string' && sid ? sid : `twilio-${response.status}` };
  }
}
