import { describe, expect, it } from 'vitest';
import { loggablePath } from './call-middleware';

describe('loggablePath', () => {
  it('drops the query and hides user principal names, plain or encoded', () => {
    expect(loggablePath("https://graph.microsoft.com/v1.0/devices?$filter=deviceId eq 'x'")).toBe('https://graph.microsoft.com/v1.0/devices');
    expect(loggablePath('https://g/v1.0/users/jane.doe@contoso.com?$select=id')).toBe('https://g/v1.0/users/{upn}');
    expect(loggablePath('https://g/v1.0/users/jane.doe%40contoso.com/sendMail')).toBe('https://g/v1.0/users/{upn}/sendMail');
    expect(loggablePath('https://g/v1.0/groups/1234/members/$ref')).toBe('https://g/v1.0/groups/1234/members/$ref');
  });
});
