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

  step("admin invites a facilitator, who registers");
  const facilitatorEmail = `bram.${Date.now()}@leergemeenschap.example`;
  const facilitatorInvite = await admin.POST("/api/v1/invitations", {
    body: { email: facilitatorEmail, role: "facilitator" },
  });
  assert.ok(facilitatorInvite.data?.code);
  const facilitatorJoined = await anonymous.POST("/api/v1/auth/register", {
    body: {
      invitation_code: facilitatorInvite.data.code,
      display_name: "Bram Visser",
      password,
      member_kind: "professional",
    },
  });
  assert.equal(facilitatorJoined.response.status, 201);
  assert.ok(facilitatorJoined.data);
  const facilitator = clientFor(facilitatorJoined.data.access_token);

  step("the facilitator creates a network and a session");
  const network = await facilitator.POST("/api/v1/networks", {
    body: {
      name: `Thuis na opname ${Date.now()}`,
      description: "Samen rond de huurder die na een opname weer zelfstandig gaat wonen.",
      task: "De juiste ondersteuning bij het weer zelfstandig wonen.",
      value: "direct",
      focus: { kind: "target_group", label: "Huurders na een verblijf in een instelling" },
      future: "lasting",
      legitimacy: [{ kind: "formal", description: "Convenant met de gemeente" }],
      organizations: ["Woonstichting De Linde", "Zorggroep Oost"],
    },
  });
  assert.equal(network.response.status, 201);
  assert.ok(network.data);
  const startsAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  const endsAt = new Date(startsAt.getTime() + 150 * 60 * 1000);
  const session = await facilitator.POST("/api/v1/sessions", {
    body: {
      title: "Autonomie afstaan: wie beslist wie waar woont?",
      description: "Intervisie over de tweede netwerkspanning.",
      theme: "autonomy",
      starts_at: startsAt.toISOString(),
      ends_at: endsAt.toISOString(),
      location: "Wijkcentrum De Schakel",
      capacity: 1,
    },
  });
  assert.equal(session.response.status, 201);
  assert.ok(session.data);
  const sessionId = session.data.id;

  step("the member registers for the session");
  const registration = await member.POST("/api/v1/sessions/{id}/registration", {
    params: { path: { id: sessionId } },
  });
  assert.equal(registration.response.status, 201);
  assert.ok(registration.data);
  assert.ok(["registered", "waitlisted"].includes(registration.data.status));
  const sessionSeen = await member.GET("/api/v1/sessions/{id}", {
    params: { path: { id: sessionId } },
  });
  assert.equal(sessionSeen.data?.my_registration?.status, registration.data.status);

  step("the member writes a reflection");
  const reflection = await member.POST("/api/v1/reflections", {
    body: {
      title: "Wie beslist er over de woningtoewijzing?",
      body: "Het netwerk kan beslissen wie in de woningen woont. **Spannend**, en nodig.",
      session_id: sessionId,
      network_id: network.data.id,
      tensions: ["autonomy"],
      tags: ["woningtoewijzing", "coördinatie"],
      competence: { awareness: 3, capability: 2 },
      visibility: "community",
    },
  });
  assert.equal(reflection.response.status, 201);
  assert.ok(reflection.data);
  const reflectionId = reflection.data.id;

  step("a peer comments on it");
  const comment = await facilitator.POST("/api/v1/reflections/{id}/comments", {
    params: { path: { id: reflectionId } },
    body: { body: "Herkenbaar: wie is eigenaar van de opgave?" },
  });
  assert.equal(comment.response.status, 201);
  const found = await member.GET("/api/v1/reflections", {
    params: { query: { q: "woningtoew" } },
  });
  assert.equal(found.data?.items[0]?.id, reflectionId);
  assert.equal(found.data?.items[0]?.comment_count, 1);

  step("the member refreshes the tokens");
  const refreshed = await anonymous.POST("/api/v1/auth/refresh", {
    body: { refresh_token: login.data.refresh_token },
  });
  assert.equal(refreshed.response.status, 200);
  assert.ok(refreshed.data);
  assert.notEqual(refreshed.data.refresh_token, login.data.refresh_token);
  const renewed = clientFor(refreshed.data.access_token);

  step("the member exports everything stored about them");
  const exported = await renewed.GET("/api/v1/me/export");
  assert.equal(exported.response.status, 200);
  assert.equal(exported.data?.profile.email, email);
  assert.equal(exported.data?.reflections.length, 1);
  assert.equal(exported.data?.registrations.length, 1);

  step("the member erases their account");
  const erased = await renewed.DELETE("/api/v1/me", { body: { password } });
  assert.equal(erased.response.status, 204);
  const after = await renewed.GET("/api/v1/me");
  assert.equal(after.response.status, 401);
  const gone = await facilitator.GET("/api/v1/reflections/{id}", {
    params: { path: { id: reflectionId } },
  });
  assert.equal(gone.response.status, 404);

  console.log("journey: done");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
