// `accounts sync-ldap` against a real OpenLDAP (slapd of the test's own, test/helpers/slapd.ts):
// several pages of a paged search (page_size 40), accounts placed under their
// agencies by domain, status and createTimestamp read through the configured attribute map; a
// re-sync closes removed entries and versions changed ones; a refused bind, an unreachable server
// and a missing setting are clear errors that write nothing, and the password is never printed.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectoryFile } from '../../src/config/directory-file.js';
import { upsertAgencies } from '../../src/db/agencies.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { cli } from '../helpers/cli.js';
import { createTestEnv, useEnv } from '../helpers/env.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';

const PASSWORD = 'mat-khau-dich-vu-ldap';

describe('accounts sync-ldap', () => {
  let slapd: Slapd;
  let pool: Pool;
  let ldap: Client;
  const people = (): string => `ou=people,${slapd.suffix}`;
  const configFile = path.join(os.tmpdir(), `edocwatch-ldap-${process.pid}.yaml`);

  async function addPerson(uid: string, mail: string | null, status: string): Promise<void> {
    await ldap.add(`uid=${uid},${people()}`, {
      objectClass: ['inetOrgPerson'],
      uid,
      cn: `Cán bộ ${uid}`,
      sn: uid,
      displayName: `Cán bộ ${uid}`,
      employeeType: status,
      ...(mail ? { mail } : {}),
    });
  }

  beforeAll(async () => {
    slapd = await startSlapd();
    const t = await createTestEnv('accounts_ldap');
    useEnv(t);
    pool = createPool(t.databaseUrl, 2);
    await upsertAgencies(pool, await loadDirectoryFile('config/agencies.yaml'));
    ldap = new Client({ url: slapd.url });
    await ldap.bind(slapd.rootDn, slapd.rootPassword);
    await ldap.add(slapd.suffix, { objectClass: ['dcObject', 'organization'], dc: 'sonminh', o: 'Tỉnh Sơn Minh' });
    await ldap.add(people(), { objectClass: ['organizationalUnit'], ou: 'people' });
    await ldap.add(`cn=edocwatch,${slapd.suffix}`, { objectClass: ['simpleSecurityObject', 'organizationalRole'], cn: 'edocwatch', userPassword: PASSWORD });
    // 110 accounts of Sở Tài chính: three pages of 40.
    for (let k = 0; k < 110; k++) await addPerson(`stc${k}`, `cb${k}@stc.sonminh.gov.vn`, k === 1 ? 'locked' : 'active');
    await addPerson('snv0', 'chanhvp@snv.sonminh.gov.vn', 'Hoạt động');
    await addPerson('noaddress', null, 'active');
    writeFileSync(
      configFile,
      [
        'accounts:',
        '  ldap:',
        `    url: ${slapd.url}`,
        `    bind_dn: cn=edocwatch,${slapd.suffix}`,
        '    password_env: EDOCWATCH_TEST_LDAP_PASSWORD',
        `    base_dn: ${people()}`,
        '    filter: "(objectClass=inetOrgPerson)"',
        '    page_size: 40',
        '    attributes: { address: mail, display_name: displayName, status: employeeType, created: createTimestamp, last_login: null }',
        '',
      ].join('\n'),
    );
    process.env.EDOCWATCH_CONFIG = configFile;
    process.env.EDOCWATCH_TEST_LDAP_PASSWORD = PASSWORD;
  }, 120_000);

  afterAll(async () => {
    await ldap?.unbind().catch(() => undefined);
    await pool?.end();
    await slapd?.stop();
  });

  it('reads every account (three pages), places each under its agency by domain, with status and creation time', async () => {
    const t0 = Date.now();
    const r = await cli('accounts', 'sync-ldap', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'ldap', accounts: 111, added: 111, changed: 0, removed: 0 });
    const { rows } = await pool.query<{ agency_code: string; n: number; disabled: number; oldest: Date }>(
      'SELECT agency_code, count(*)::int AS n, count(*) FILTER (WHERE NOT enabled)::int AS disabled, min(valid_from) AS oldest FROM accounts GROUP BY 1 ORDER BY 1',
    );
    expect(rows.map((x) => [x.agency_code, x.n, x.disabled])).toEqual([['000.00.02.H30', 1, 0], ['000.00.03.H30', 110, 1]]);
    // valid_from is the entry's createTimestamp (seconds, set by slapd moments ago).
    expect(Math.abs(rows[1]!.oldest.getTime() - t0)).toBeLessThan(120_000);
  });

  it('closes removed entries and versions changed ones on the next sync', async () => {
    await ldap.del(`uid=stc2,${people()}`);
    await ldap.modify(`uid=stc1,${people()}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'employeeType', values: ['active'] }) }));
    const r = await cli('accounts', 'sync-ldap', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ accounts: 110, added: 0, changed: 1, removed: 1, unchanged: 109 });
    const { rows } = await pool.query<{ address: string; enabled: boolean; closed: boolean }>(
      `SELECT address, enabled, valid_to IS NOT NULL AS closed FROM accounts WHERE address IN ('cb1@stc.sonminh.gov.vn', 'cb2@stc.sonminh.gov.vn') ORDER BY address, valid_from`,
    );
    expect(rows).toEqual([
      { address: 'cb1@stc.sonminh.gov.vn', enabled: false, closed: true },
      { address: 'cb1@stc.sonminh.gov.vn', enabled: true, closed: false },
      { address: 'cb2@stc.sonminh.gov.vn', enabled: true, closed: true },
    ]);
  });

  it('refuses an address of no agency unless told to skip it', async () => {
    await addPerson('outsider', 'ai@example.org', 'active');
    const refused = await cli('accounts', 'sync-ldap');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/accounts of no agency in the directory: ai@example\.org/);
    const ok = await cli('accounts', 'sync-ldap', '--skip-unmatched', '--json');
    expect(JSON.parse(ok.stdout)).toMatchObject({ unchanged: 110, skipped: ['ai@example.org'] });
  });

  it('a refused bind, an unreachable server and missing settings are clear errors; nothing written, no password shown', async () => {
    const before = (await pool.query('SELECT count(*)::int AS n, max(imported_at) AS t FROM accounts')).rows[0];
    process.env.EDOCWATCH_TEST_LDAP_PASSWORD = 'wrong-password';
    const refused = await cli('accounts', 'sync-ldap');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/LDAP bind refused for cn=edocwatch/);
    expect(refused.stderr).not.toMatch(/wrong-password|mat-khau/);
    process.env.EDOCWATCH_TEST_LDAP_PASSWORD = PASSWORD;

    process.env.EDOCWATCH_LDAP_URL = 'ldap://127.0.0.1:1';
    const down = await cli('accounts', 'sync-ldap');
    delete process.env.EDOCWATCH_LDAP_URL;
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach LDAP at ldap:\/\/127\.0\.0\.1:1/);

    delete process.env.EDOCWATCH_TEST_LDAP_PASSWORD;
    const noPassword = await cli('accounts', 'sync-ldap');
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/LDAP is not configured: .*\$EDOCWATCH_TEST_LDAP_PASSWORD holds no password/);
    process.env.EDOCWATCH_TEST_LDAP_PASSWORD = PASSWORD;
    expect((await pool.query('SELECT count(*)::int AS n, max(imported_at) AS t FROM accounts')).rows[0]).toEqual(before);
  });
});
