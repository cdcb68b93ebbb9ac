//! Integration tests: the real app over real HTTP. One binary, one module per feature.

mod helpers;

mod auth;
mod calendar;
mod crash;
mod insights;
mod invitations;
mod members;
mod networks;
mod privacy;
mod reflections;
mod scale;
mod search;
mod seed;
mod service;
mod sessions;
