// Staff SSO in the browser (docs/staff-sso.md): the vendor's staff member signs in at the deployment's staff
// provider (the dev IdP with its own client) and lands in the tenant's console with the staff banner, reading
// (the default staff permissions) with no controls that change anything.
import { DEMO_STAFF_ACCOUNT } from '@deskgate/dev-idp';
import { expect, TENANT, test } from './fixtures.ts';

test('a staff member reaches the tenant’s console with the staff banner, read-only', async ({
  page,
  stack,
}) => {
  await page.goto(`${stack.apiUrl}/t/${TENANT}/staff/signin`);
  await page.locator('#email').fill(DEMO_STAFF_ACCOUNT.email);
  await page.locator('#password').fill(DEMO_STAFF_ACCOUNT.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === `/t/${TENANT}/admin`);
  await expect(page.locator('[data-staff-banner]')).toHaveText(`Staff access: ${DEMO_STAFF_ACCOUNT.name}`);

  await page.getByRole('navigation').getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Users', exact: true })).toBeVisible();
  // The area loaded for staff (users:read): its search, and no refusal.
  await expect(page.getByLabel('Search users')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expect(page.getByRole('alert')).toHaveCount(0);
  // Reading only: no control that would change a user, and no area that only changes things.
  await expect(page.getByRole('button', { name: /^(Disable|Enable) / })).toHaveCount(0);
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Keys', exact: true })).toBeVisible();
});
