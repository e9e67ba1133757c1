import { randomUUID } from 'node:crypto';
import { readObject, type ObjectSpec } from '../graph/body';
import { GraphError } from '../graph/errors';
import { compile, noContent, type Route } from '../graph/route';
import { P } from './permissions';

const RECIPIENT: ObjectSpec = {
  type: 'Microsoft.OutlookServices.Recipient',
  props: { emailAddress: { object: { type: 'Microsoft.OutlookServices.EmailAddress', props: { address: 'string', name: 'string' }, required: ['address'] } } },
  required: ['emailAddress'],
};
const recipients = { arrayOf: { object: RECIPIENT } } as const;

const SEND_MAIL: ObjectSpec = {
  type: 'Microsoft.OutlookServices.SendMailRequest',
  props: {
    message: {
      object: {
        type: 'Microsoft.OutlookServices.Message',
        props: {
          subject: 'string',
          body: { object: { type: 'Microsoft.OutlookServices.ItemBody', props: { contentType: { enum: ['Text', 'HTML'], type: 'Microsoft.OutlookServices.BodyType' }, content: 'string' } } },
          toRecipients: recipients,
          ccRecipients: recipients,
          bccRecipients: recipients,
          replyTo: recipients,
          from: { object: RECIPIENT },
          importance: { enum: ['Low', 'Normal', 'High'], type: 'Microsoft.OutlookServices.Importance' },
          internetMessageHeaders: { arrayOf: 'any' },
        },
        required: ['toRecipients'],
      },
    },
    saveToSentItems: 'bool',
  },
  required: ['message'],
};

const ACTIVITY: ObjectSpec = {
  type: 'microsoft.graph.sendActivityNotificationRequest',
  props: {
    topic: { object: { type: 'microsoft.graph.teamworkActivityTopic', props: { source: { enum: ['entityUrl', 'text'], type: 'microsoft.graph.teamworkActivityTopicSource' }, value: 'string', webUrl: 'string' }, required: ['source', 'value'] } },
    activityType: 'string',
    chainId: 'int',
    previewText: { object: { type: 'microsoft.graph.itemBody', props: { content: 'string', contentType: 'string' } } },
    teamsAppId: 'string',
    templateParameters: { arrayOf: { object: { type: 'microsoft.graph.keyValuePair', props: { name: 'string', value: 'string' } } } },
  },
  required: ['topic', 'activityType', 'previewText'],
};

type Rec = { emailAddress: { address: string } };
const addresses = (list: unknown): string[] => ((list as Rec[] | undefined) ?? []).map((r) => r.emailAddress.address);

export const notifyRoutes: Route[] = [
  compile({
    method: 'POST',
    path: '/users/:userId/sendMail',
    op: 'sendMail',
    permissions: P.mailSend,
    handle(ctx) {
      const raw = ctx.params.userId as string;
      const sender = ctx.state.findUser(raw);
      // Exchange's own errors, not the directory's.
      if (!sender) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${raw}' is invalid.`);
      if (!sender.mail) throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
      const body = readObject(ctx.req.body ?? {}, SEND_MAIL, 'RequestBodyRead');
      const message = body.message as Record<string, unknown>;
      const to = addresses(message.toRecipients);
      if (to.length === 0) {
        throw new GraphError(400, 'ErrorInvalidRecipients', "At least one recipient isn't valid., A message can't be sent because it contains no recipients.");
      }
      const itemBody = (message.body as { contentType?: string; content?: string } | undefined) ?? {};
      ctx.state.mails.push({
        id: randomUUID(),
        from: sender.mail,
        to,
        cc: addresses(message.ccRecipients),
        subject: (message.subject as string | undefined) ?? '',
        contentType: itemBody.contentType ?? 'Text',
        content: itemBody.content ?? '',
        saveToSentItems: (body.saveToSentItems as boolean | undefined) ?? true,
        sentAt: ctx.state.clock.iso(),
        requestId: ctx.req.requestId,
      });
      return { status: 202 };
    },
  }),
  compile({
    method: 'POST',
    path: '/users/:userId/teamwork/sendActivityNotification',
    op: 'sendActivityNotification',
    permissions: P.teamsActivity,
    handle(ctx) {
      const raw = ctx.params.userId as string;
      const user = ctx.state.findUser(raw);
      if (!user) throw new GraphError(404, 'NotFound', `User '${raw}' was not found.`);
      const body = readObject(ctx.req.body ?? {}, ACTIVITY, 'BadRequest');
      if (user.teamsAppInstalled === false) {
        // Unverified wording; Teams answers 403 when the app is not installed for the recipient.
        throw new GraphError(403, 'Forbidden', 'The Teams app is not installed for the recipient.');
      }
      ctx.state.notifications.push({
        id: randomUUID(),
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        activityType: body.activityType as string,
        topic: body.topic,
        previewText: ((body.previewText as { content?: string }).content ?? null),
        templateParameters: body.templateParameters ?? [],
        sentAt: ctx.state.clock.iso(),
        requestId: ctx.req.requestId,
      });
      return noContent();
    },
  }),
];
