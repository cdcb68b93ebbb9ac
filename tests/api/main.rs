//! Integration tests: the real app over real HTTP. One binary, one module per feature.

mod helpers;

mod auth;
mod crash;
mod invitations;
mod members;
mod privacy;
mod service;
