//! Integration tests: the real app over real HTTP. One binary, one module per feature.

mod helpers;

mod auth;
mod invitations;
mod members;
mod reflections;
mod search;
mod service;
