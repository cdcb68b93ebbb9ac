// @generated automatically by Diesel CLI.

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        details -> Text,
    }
}

diesel::table! {
    calendar_tokens (member_id) {
        member_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Text,
        reflection_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        email -> Text,
        role -> Text,
        code_hash -> Text,
        invited_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        used_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Integer,
        email -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    logins (id) {
        id -> Text,
        member_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    members (id) {
        id -> Text,
        email -> Nullable<Text>,
        display_name -> Text,
        member_kind -> Text,
        role -> Text,
        organization -> Nullable<Text>,
        job_title -> Nullable<Text>,
        bio -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        erased_at -> Nullable<Timestamp>,
        joined_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    network_members (network_id, member_id) {
        network_id -> Text,
        member_id -> Text,
        role -> Text,
        since -> Timestamp,
    }
}

diesel::table! {
    networks (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        description -> Text,
        task -> Text,
        value -> Text,
        focus_kind -> Text,
        focus_label -> Text,
        future -> Text,
        legitimacy -> Text,
        organizations -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    reflection_tags (reflection_seq, tag) {
        reflection_seq -> Integer,
        tag -> Text,
    }
}

diesel::table! {
    reflection_tensions (reflection_seq, tension) {
        reflection_seq -> Integer,
        tension -> Text,
    }
}

diesel::table! {
    reflections (seq) {
        seq -> Integer,
        id -> Text,
        author_id -> Text,
        session_id -> Nullable<Text>,
        network_id -> Nullable<Text>,
        title -> Text,
        body -> Text,
        tensions -> Text,
        tags -> Text,
        awareness -> Nullable<Integer>,
        capability -> Nullable<Integer>,
        visibility -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        login_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    registrations (session_id, member_id) {
        session_id -> Text,
        member_id -> Text,
        status -> Text,
        seq -> BigInt,
        attended -> Nullable<Bool>,
        registered_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    session_facilitators (session_id, member_id) {
        session_id -> Text,
        member_id -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        theme -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        status -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        registered_count -> Integer,
        waitlist_count -> Integer,
    }
}

diesel::joinable!(audit_events -> members (actor_id));
diesel::joinable!(calendar_tokens -> members (member_id));
diesel::joinable!(comments -> members (author_id));
diesel::joinable!(logins -> members (member_id));
diesel::joinable!(network_members -> members (member_id));
diesel::joinable!(network_members -> networks (network_id));
diesel::joinable!(reflection_tags -> reflections (reflection_seq));
diesel::joinable!(reflection_tensions -> reflections (reflection_seq));
diesel::joinable!(reflections -> members (author_id));
diesel::joinable!(reflections -> networks (network_id));
diesel::joinable!(reflections -> sessions (session_id));
diesel::joinable!(refresh_tokens -> logins (login_id));
diesel::joinable!(registrations -> members (member_id));
diesel::joinable!(registrations -> sessions (session_id));
diesel::joinable!(session_facilitators -> members (member_id));
diesel::joinable!(session_facilitators -> sessions (session_id));
diesel::joinable!(sessions -> members (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    audit_events,
    calendar_tokens,
    comments,
    invitations,
    login_failures,
    logins,
    members,
    network_members,
    networks,
    reflection_tags,
    reflection_tensions,
    reflections,
    refresh_tokens,
    registrations,
    session_facilitators,
    sessions,
);
