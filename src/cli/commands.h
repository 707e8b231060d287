/*
 * Every command spec, one per src/cli/cmd_<name>.c.
 * How to add a command: declare it here and list it in cli.c's table.
 */
#ifndef PX_COMMANDS_H
#define PX_COMMANDS_H

#include "cli/cli.h"

extern const struct px_cmd px_cmd_init;
extern const struct px_cmd px_cmd_card;
extern const struct px_cmd px_cmd_peer;
extern const struct px_cmd px_cmd_case;
extern const struct px_cmd px_cmd_outbox;
extern const struct px_cmd px_cmd_inbox;
extern const struct px_cmd px_cmd_demo;
extern const struct px_cmd px_cmd_version;
extern const struct px_cmd px_cmd_log;
extern const struct px_cmd px_cmd_proof;
extern const struct px_cmd px_cmd_audit;
extern const struct px_cmd px_cmd_report;
extern const struct px_cmd px_cmd_serve;
extern const struct px_cmd px_cmd_token;
extern const struct px_cmd px_cmd_user;
extern const struct px_cmd px_cmd_hotline;
extern const struct px_cmd px_cmd_check;
extern const struct px_cmd px_cmd_contacts;
extern const struct px_cmd px_cmd_schedule;
extern const struct px_cmd px_cmd_notify;
extern const struct px_cmd px_cmd_channel;
extern const struct px_cmd px_cmd_exercise;
extern const struct px_cmd px_cmd_evidence;
extern const struct px_cmd px_cmd_attribution;
extern const struct px_cmd px_cmd_verifier;
extern const struct px_cmd px_cmd_feed;
extern const struct px_cmd px_cmd_routing;

/* Subcommands of `parley feed` that live in cmd_feed_share.c. */
extern const struct px_cmd px_feed_flush_cmd, px_feed_digest_cmd,
    px_feed_verify_cmd, px_feed_attachment_cmd, px_feed_event_cmd,
    px_feed_spool_cmd;
extern const struct px_cmd px_cmd_export;
extern const struct px_cmd px_cmd_import;
extern const struct px_cmd px_cmd_taxii;

#endif
