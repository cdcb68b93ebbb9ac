//! `seed-demo`: a small, realistic learning community to try the API with, in the words of the
//! article the domain comes from — a network that helps tenants live independently after a
//! stay in an institution (direct value), a learning circle of neighbourhood teams (indirect
//! value), members of both kinds, past and upcoming sessions, and reflections of every
//! visibility with their tensions and competence self-assessments.

use anyhow::Context;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::config::Secret;
use crate::db::{now, DbConn, DbPool};
use crate::error::ApiError;
use crate::members::model::NewMember;
use crate::members::types::{MemberId, MemberKind, Role};
use crate::networks::types::{
    Focus, FocusKind, Legitimacy, LegitimacyKind, NetworkFields, NetworkFuture, NetworkRole,
    NetworkValue,
};
use crate::reflections::types::{Competence, NewReflection, Visibility};
use crate::schema::{members, sessions};
use crate::sessions::types::{SessionFields, SessionId};
use crate::tensions::types::Tension;

/// A demo login, printed for the person trying the API.
pub struct DemoLogin {
    pub email: String,
    pub role: Role,
    pub display_name: String,
}

struct Person {
    key: &'static str,
    name: &'static str,
    kind: MemberKind,
    role: Role,
    organization: &'static str,
    job_title: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        key: "anne",
        name: "Anne de Beheerder",
        kind: MemberKind::Executive,
        role: Role::Admin,
        organization: "Platform Leergemeenschap",
        job_title: "Programmaleider",
    },
    Person {
        key: "bram",
        name: "Bram Visser",
        kind: MemberKind::Professional,
        role: Role::Facilitator,
        organization: "Platform Leergemeenschap",
        job_title: "Procesbegeleider",
    },
    Person {
        key: "fatima",
        name: "Fatima el Amrani",
        kind: MemberKind::Professional,
        role: Role::Member,
        organization: "Woonstichting De Linde",
        job_title: "Wijkconsulent",
    },
    Person {
        key: "joost",
        name: "Joost Jansen",
        kind: MemberKind::Executive,
        role: Role::Member,
        organization: "Zorggroep Oost",
        job_title: "Bestuurder",
    },
    Person {
        key: "ingrid",
        name: "Ingrid Bakker",
        kind: MemberKind::Professional,
        role: Role::Member,
        organization: "Gemeente Zuiderveld",
        job_title: "Beleidsadviseur wonen en zorg",
    },
    Person {
        key: "kees",
        name: "Kees de Vries",
        kind: MemberKind::Professional,
        role: Role::Member,
        organization: "Welzijn Zuiderveld",
        job_title: "Opbouwwerker",
    },
];

/// Fills an empty database (or, with `force`, one that has members) with the demo community.
/// Every demo member gets `password`. Returns the logins.
pub fn demo(pool: &DbPool, password: &Secret, force: bool) -> anyhow::Result<Vec<DemoLogin>> {
    let hash = crate::auth::password::hash_blocking(password)?;
    let mut conn = pool.get().context("connect to the database")?;
    let existing: i64 = members::table.count().get_result(&mut *conn)?;
    if existing > 0 && !force {
        anyhow::bail!(
            "the database already has {existing} member(s); run seed-demo on a fresh database, \
             or pass --force to add the demo community anyway"
        );
    }
    // A suffix keeps a forced second run from colliding with the first one's emails and names.
    let suffix = if existing > 0 {
        format!("-{}", &uuid::Uuid::new_v4().simple().to_string()[..6])
    } else {
        String::new()
    };
    crate::db::write_now(&mut conn, |conn| fill(conn, &hash, &suffix))
        .map_err(|e| anyhow::anyhow!("seed the demo community: {e}"))
}

fn fill(conn: &mut DbConn, hash: &str, suffix: &str) -> Result<Vec<DemoLogin>, ApiError> {
    let at = now();
    let mut ids = std::collections::HashMap::new();
    let mut logins = Vec::new();
    for person in PEOPLE {
        let id = MemberId::new();
        let email = format!("{}{suffix}@leergemeenschap.example", person.key);
        crate::members::queries::insert(
            conn,
            &NewMember {
                id,
                email: &email,
                display_name: person.name,
                member_kind: person.kind,
                role: person.role,
                organization: Some(person.organization),
                job_title: Some(person.job_title),
                bio: None,
                password_hash: hash,
                active: true,
                joined_at: at,
                updated_at: at,
                version: 1,
            },
        )?;
        ids.insert(person.key, id);
        logins.push(DemoLogin {
            email,
            role: person.role,
            display_name: person.name.into(),
        });
    }
    let id = |key: &str| ids[key];

    let thuis = crate::networks::queries::insert(
        conn,
        &NetworkFields {
            name: format!("Thuis na opname{suffix}"),
            description: "Corporatie, zorgaanbieder en gemeente zorgen samen dat een huurder na \
                          een verblijf in een instelling weer zelfstandig kan wonen."
                .into(),
            task: "De juiste ondersteuning bij het weer zelfstandig wonen, buiten het standaard \
                   aanbod als dat nodig is."
                .into(),
            value: NetworkValue::Direct,
            focus: Focus {
                kind: FocusKind::TargetGroup,
                label: "Huurders na een verblijf in een instelling".into(),
            },
            future: NetworkFuture::Lasting,
            legitimacy: vec![
                Legitimacy {
                    kind: LegitimacyKind::Formal,
                    description: "Convenant tussen corporatie, zorgaanbieder en gemeente".into(),
                },
                Legitimacy {
                    kind: LegitimacyKind::Moral,
                    description: "Breed gedragen door bewoners en wijkteams".into(),
                },
            ],
            organizations: vec![
                "Woonstichting De Linde".into(),
                "Zorggroep Oost".into(),
                "Gemeente Zuiderveld".into(),
            ],
        },
    )?
    .id;
    let leerkring = crate::networks::queries::insert(
        conn,
        &NetworkFields {
            name: format!("Leerkring wijkteams Zuiderpark{suffix}"),
            description: "Professionals leren van elkaar en analyseren welke procedures hun \
                          organisaties kunnen verbeteren."
                .into(),
            task: "Innovatieve werkwijzen voor de wijk, die de organisaties zelf veranderen."
                .into(),
            value: NetworkValue::Indirect,
            focus: Focus {
                kind: FocusKind::Area,
                label: "Wijk Het Zuiderpark".into(),
            },
            future: NetworkFuture::Transitional,
            legitimacy: vec![Legitimacy {
                kind: LegitimacyKind::Moral,
                description: "Lokale steun van de deelnemende teams".into(),
            }],
            organizations: vec!["Welzijn Zuiderveld".into(), "Woonstichting De Linde".into()],
        },
    )?
    .id;
    for (network, member, role) in [
        (thuis, "fatima", NetworkRole::Coordinator),
        (thuis, "joost", NetworkRole::Participant),
        (thuis, "ingrid", NetworkRole::Participant),
        (leerkring, "kees", NetworkRole::Coordinator),
        (leerkring, "fatima", NetworkRole::Participant),
    ] {
        crate::networks::queries::put_member(conn, network, id(member), role)?;
    }

    let session = |conn: &mut DbConn,
                   title: &str,
                   theme: Tension,
                   days: i64,
                   capacity: Option<i32>|
     -> Result<SessionId, ApiError> {
        let starts_at = at + Duration::days(days);
        let sid = crate::sessions::queries::insert(
            conn,
            &SessionFields {
                title: title.into(),
                description: theme.info().description.into(),
                theme: Some(theme),
                starts_at,
                ends_at: starts_at + Duration::minutes(150),
                location: Some("Wijkcentrum De Schakel, Zuiderveld".into()),
                online_url: None,
                capacity,
            },
            id("bram"),
        )?;
        crate::sessions::queries::set_facilitators(conn, sid, &[id("bram")])?;
        Ok(sid)
    };
    let register = |conn: &mut DbConn, sid: SessionId, who: &[&str]| -> Result<(), ApiError> {
        let row = crate::sessions::queries::get(conn, sid)?;
        for member in who {
            crate::sessions::waitlist::register(conn, &row, id(member), now())?;
        }
        Ok(())
    };
    // Past sessions: registered while upcoming, then moved back in time, attendance taken.
    let puber = session(
        conn,
        "Puber in huis: het netwerk houdt ons de spiegel voor",
        Tension::Identity,
        1,
        Some(12),
    )?;
    register(conn, puber, &["fatima", "joost", "ingrid", "kees"])?;
    let autonomie = session(
        conn,
        "Autonomie afstaan: wie beslist wie waar woont?",
        Tension::Autonomy,
        1,
        Some(12),
    )?;
    register(conn, autonomie, &["fatima", "ingrid", "kees"])?;
    move_to_past(conn, puber, at - Duration::days(42))?;
    move_to_past(conn, autonomie, at - Duration::days(14))?;
    for (sid, present) in [
        (puber, &["fatima", "joost", "ingrid"][..]),
        (autonomie, &["fatima", "kees"][..]),
    ] {
        let row = crate::sessions::queries::get(conn, sid)?;
        let present: Vec<MemberId> = present.iter().map(|m| id(m)).collect();
        crate::sessions::waitlist::set_attendance(conn, &row, &present, now())?;
    }
    // Upcoming: one with room, one full with a waitlist.
    let legitimatie = session(
        conn,
        "Van wie is de opgave, wie is van de opgave?",
        Tension::Legitimacy,
        10,
        None,
    )?;
    register(conn, legitimatie, &["fatima", "joost"])?;
    let intervisie = session(
        conn,
        "Intervisie netwerkkunde: heldenmoed in de praktijk",
        Tension::Autonomy,
        24,
        Some(2),
    )?;
    register(conn, intervisie, &["ingrid", "kees", "fatima"])?;

    let reflections = [
        ("fatima", Some(puber), Some(thuis), "Het netwerk zet zich af tegen onze eigen werkwijze",
         "Na de bijeenkomst zag ik het: het netwerk **kleurt buiten de lijntjes** en houdt De Linde de spiegel voor. Dat is niet altijd gezellig, maar de huurder heeft er baat bij.",
         vec![Tension::Identity], vec!["spiegel", "huurder"], Some((3, 2)), Visibility::Community),
        ("joost", Some(puber), Some(thuis), "Als bestuurder loslaten wat ik gewend ben",
         "Wie betaalt bepaalt: dat paradigma laat ik achter me. Maar mijn raad van toezicht vraagt wel om verantwoording.",
         vec![Tension::Autonomy, Tension::Legitimacy], vec!["verantwoording"], Some((2, 2)), Visibility::Facilitators),
        ("ingrid", Some(autonomie), Some(thuis), "Wie beslist er over de woningtoewijzing?",
         "Het netwerk kan beslissen wie in de woningen van de corporatie woont. Voor de gemeente is dat ongemakkelijk én nodig.",
         vec![Tension::Autonomy], vec!["woningtoewijzing", "coördinatie"], Some((3, 3)), Visibility::Community),
        ("kees", Some(autonomie), Some(leerkring), "Procedures die we samen kunnen verbeteren",
         "In de leerkring analyseerden we drie procedures. Eén daarvan passen we nu in alle teams aan.",
         vec![Tension::Identity], vec!["wijkteam", "procedures"], Some((4, 3)), Visibility::Community),
        ("fatima", None, Some(thuis), "Mijn eigen twijfel over het mandaat",
         "Ben ik hier namens De Linde of namens het netwerk? Dat weet ik soms zelf niet.",
         vec![Tension::Legitimacy], vec!["mandaat"], Some((4, 3)), Visibility::Private),
        ("ingrid", None, None, "Maatschappelijk geld, gedeelde verantwoording",
         "Wie vraagt naar verantwoording over de gehele opgave en de inzet van alle middelen samen?",
         vec![Tension::Legitimacy], vec!["legitimatie"], None, Visibility::Facilitators),
    ];
    let mut first = None;
    for (author, session, network, title, body, tensions, tags, competence, visibility) in
        reflections
    {
        let (rid, _) = crate::reflections::queries::insert(
            conn,
            id(author),
            &NewReflection {
                title: title.into(),
                body: body.into(),
                session_id: session,
                network_id: network,
                tensions,
                tags: tags.into_iter().map(String::from).collect(),
                competence: competence.map(|(awareness, capability)| Competence {
                    awareness,
                    capability,
                }),
                visibility,
            },
        )?;
        first.get_or_insert(rid);
    }
    if let Some(rid) = first {
        crate::reflections::queries::insert_comment(
            conn,
            rid,
            id("kees"),
            "Herkenbaar! In de leerkring noemden we dat 'heldenmoed': je trekt een onbekend veld in.",
        )?;
        crate::reflections::queries::insert_comment(
            conn,
            rid,
            id("bram"),
            "Mooie aanzet voor de volgende bijeenkomst over legitimatie.",
        )?;
    }
    Ok(logins)
}

fn move_to_past(
    conn: &mut DbConn,
    sid: SessionId,
    starts_at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(sessions::table.find(sid))
        .set((
            sessions::starts_at.eq(starts_at),
            sessions::ends_at.eq(starts_at + Duration::minutes(150)),
        ))
        .execute(conn)?;
    Ok(())
}
