//! Sessions (bijeenkomsten): scheduling, registration, waitlist, attendance and the calendar.

pub mod types;
