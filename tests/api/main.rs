//! Integration tests: the real app over real HTTP. One binary, one module per feature.

mod helpers;

mod auth;
mod calendar;
mod invitations;
mod members;
mod networks;
mod service;
mod sessions;
