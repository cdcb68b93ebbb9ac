// A whole user journey through the generated client, against the real binary: every call is
// typed from openapi/openapi.json, so a spec that does not describe the service fails here.
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Member = components["schemas"]["MemberResponse"];

const base = process.env.LG_BASE_URL ?? "http://127.0.0.1:8080";
const adminEmail = process.env.LG_ADMIN_EMAIL ?? "";
const adminPassword = process.env.LG_ADMIN_PASSWORD ?? "";

/** A client that sends `token` as its bearer credentials. */
function clientFor(token?: string) {
  return createClient<paths>({
    baseUrl: base,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

function step(name: string): void {
  console.log(`journey: ${name}`);
}

async function main(): Promise<void> {
  const anonymous = clientFor();

  step("admin logs in");
  const adminLogin = await anonymous.POST("/api/v1/auth/login", {
    body: { email: adminEmail, password: adminPassword },
  });
  assert.equal(adminLogin.response.status, 200);
  assert.ok(adminLogin.data);
  const admin = clientFor(adminLogin.data.access_token);

  step("admin invites a member");
  const email = `fatima.${Date.now()}@delinde.example`;
  const invitation = await admin.POST("/api/v1/invitations", {
    body: { email, role: "member" },
  });
  assert.equal(invitation.response.status, 201);
  assert.ok(invitation.data?.code);

  step("the member registers with the code");
  const password = "een lang genoeg wachtwoord";
  const registered = await anonymous.POST("/api/v1/auth/register", {
    body: {
      invitation_code: invitation.data.code,
      display_name: "Fatima el Amrani",
      password,
      member_kind: "professional",
      organization: "Woonstichting De Linde",
    },
  });
  assert.equal(registered.response.status, 201);
  const me: Member | undefined = registered.data?.member;
  assert.equal(me?.email, email);

  step("the member logs in");
  const login = await anonymous.POST("/api/v1/auth/login", { body: { email, password } });
  assert.equal(login.response.status, 200);
  assert.ok(login.data);
  const member = clientFor(login.data.access_token);

  step("the member reads the directory");
  const directory = await member.GET("/api/v1/members", { params: { query: { q: "Fatima" } } });
  assert.equal(directory.data?.items[0]?.display_name, "Fatima el Amrani");

  step("a wrong request is a typed problem");
  const wrong = await anonymous.POST("/api/v1/auth/login", {
    body: { email, password: "niet het wachtwoord" },
  });
  assert.equal(wrong.response.status, 401);
  assert.equal(wrong.error?.type, "/problems/unauthorized");

  step("the member refreshes the tokens");
  const refreshed = await anonymous.POST("/api/v1/auth/refresh", {
    body: { refresh_token: login.data.refresh_token },
  });
  assert.equal(refreshed.response.status, 200);
  assert.notEqual(refreshed.data?.refresh_token, login.data.refresh_token);

  console.log("journey: done");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
