//! Sessions (bijeenkomsten): scheduling, registration, waitlist, attendance and the calendar.

pub mod calendar;
pub mod model;
pub mod queries;
pub mod registration;
pub mod routes;
pub mod types;
pub mod waitlist;
