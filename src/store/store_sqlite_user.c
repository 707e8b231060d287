/*
 * SQLite backend, part six: people who sign in (node/people.h), their
 * sessions and the audit of sign-ins (the migration to version 15), and
 * who of them acted for each message we signed (version 17).
 */
#include <sodium.h>

#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_user {
	U_PUT = PX_SQ_FIRST_USER_STMT,
	U_GET,
	U_LIST,
	U_STEP,
	S_PUT,
	S_GET,
	I_PUT,
	I_LIST,
	S_DEL,
	U_PW,
	S_DROP,
	A_PUT,
	A_GET,
	I_STREAK,
	U__END
};

_Static_assert(U__END <= PX_SQ_FIRST_FQ_STMT, "statement slots");

static const char *const usql[U__END - PX_SQ_FIRST_USER_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_USER_STMT]
	S(U_PUT) = "INSERT INTO users (name, role, pwhash, totp, totp_step, "
	           "created_ms) VALUES (?1, ?2, ?3, ?4, -1, ?5)",
	S(U_GET) = "SELECT name, role, pwhash, totp, totp_step, created_ms "
	           "FROM users WHERE name = ?1",
	S(U_LIST) = "SELECT created_ms, name, role FROM users ORDER BY name",
	S(U_STEP) = "UPDATE users SET totp_step = ?2 WHERE name = ?1",
	S(S_PUT) = "INSERT INTO sessions (hash, name, role, created_ms, "
	           "expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	S(S_GET) = "SELECT name, role FROM sessions WHERE hash = ?1 AND "
	           "expires_ms > ?2",
	S(I_PUT) = "INSERT INTO signins (time_ms, name, ok, detail) VALUES "
	           "(?1, ?2, ?3, ?4)",
	S(I_LIST) = "SELECT time_ms, name, detail FROM signins ORDER BY "
	            "time_ms DESC, rowid DESC LIMIT 1000",
	S(S_DEL) = "DELETE FROM sessions WHERE hash = ?1",
	S(U_PW) = "UPDATE users SET pwhash = ?2 WHERE name = ?1",
	S(S_DROP) = "DELETE FROM sessions WHERE name = ?1 AND hash <> ?2",
	S(A_PUT) = "INSERT INTO msg_actors (hash, person, role) VALUES (?1, "
	           "?2, ?3)",
	S(A_GET) = "SELECT person, role FROM msg_actors WHERE hash = ?1",
	S(I_STREAK) = "SELECT count(*), coalesce(max(time_ms), 0) FROM signins "
	              "WHERE name = ?1 AND ok = 0 AND detail <> ?2 AND rowid > "
	              "coalesce((SELECT max(rowid) FROM signins WHERE name = "
	              "?1 AND ok = 1), 0)",
#undef S
};

static sqlite3_stmt *
uprep(struct sq *s, enum sq_user q)
{
	return px_sq_prep(s, q, usql[q - PX_SQ_FIRST_USER_STMT]);
}

void
px_user_row_dispose(struct px_user_row *u)
{
	free(u->name);
	free(u->role);
	if (u->pwhash)
		sodium_memzero(u->pwhash, strlen(u->pwhash));
	free(u->pwhash);
	if (u->totp)
		sodium_memzero(u->totp, strlen(u->totp));
	free(u->totp);
	memset(u, 0, sizeof(*u));
}

int
px_sq_user_put(struct px_store *b, const struct px_user_row *u)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, U_PUT);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, u->name);
	px_sq_bind_text(st, 2, u->role);
	px_sq_bind_text(st, 3, u->pwhash);
	px_sq_bind_text(st, 4, u->totp);
	sqlite3_bind_int64(st, 5, u->created_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return px_error_set(
		    PX_ECONFLICT, "a user named '%s' exists already", u->name);
	return px_sq_fail(s, "store user");
}

int
px_sq_user_get(struct px_store *b, const char *name, struct px_user_row *u)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, U_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		u->name = px_sq_col_dup(st, 0);
		u->role = px_sq_col_dup(st, 1);
		u->pwhash = px_sq_col_dup(st, 2);
		u->totp = px_sq_col_dup(st, 3);
		u->totp_step = sqlite3_column_int64(st, 4);
		u->created_ms = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no user named '%s'", name)
	    : px_sq_fail(s, "read user");
}

int
px_sq_user_list(struct px_store *b, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, U_LIST);

	if (st == NULL)
		return PX_ERR;
	return px_sq_each_text(s, st, cb, arg, "list users");
}

int
px_sq_user_step(struct px_store *b, const char *name, int64_t step)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, U_STEP);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, step);
	return px_sq_step_done(s, st, "record a one-time code");
}

int
px_sq_session_put(struct px_store *b, const char *hash, const char *name,
    const char *role, int64_t created_ms, int64_t expires_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, S_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	px_sq_bind_text(st, 2, name);
	px_sq_bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, created_ms);
	sqlite3_bind_int64(st, 5, expires_ms);
	return px_sq_step_done(s, st, "store session");
}

int
px_sq_session_get(
    struct px_store *b, const char *hash, int64_t now, char **name, char **role)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, S_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (name)
			*name = px_sq_col_dup(st, 0);
		if (role)
			*role = px_sq_col_dup(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "unknown or expired session")
	    : px_sq_fail(s, "read session");
}

int
px_sq_signin_put(struct px_store *b, int64_t time_ms, const char *name, bool ok,
    const char *detail)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, I_PUT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, time_ms);
	px_sq_bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, ok);
	px_sq_bind_text(st, 4, ok && detail == NULL ? "ok" : detail);
	return px_sq_step_done(s, st, "record sign-in");
}

int
px_sq_signin_streak(struct px_store *b, const char *name, const char *skip,
    int64_t *fails, int64_t *last_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, I_STREAK);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	px_sq_bind_text(st, 2, skip);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*fails = sqlite3_column_int64(st, 0);
		*last_ms = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : px_sq_fail(s, "count failed sign-ins");
}

int
px_sq_signin_list(struct px_store *b, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, I_LIST);

	if (st == NULL)
		return PX_ERR;
	return px_sq_each_text(s, st, cb, arg, "list sign-ins");
}

int
px_sq_session_del(struct px_store *b, const char *hash)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, S_DEL);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	if ((rc = px_sq_step_done(s, st, "end session")) < 0)
		return rc;
	return sqlite3_changes(s->db) == 1
	    ? 0
	    : px_error_set(PX_ENOTFOUND,
	          "this token is not a session from a sign-in (an API token "
	          "ends with `parley token revoke`)");
}

int
px_sq_user_password(
    struct px_store *b, const char *name, const char *pwhash, const char *keep)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, U_PW);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	px_sq_bind_text(st, 2, pwhash);
	if ((rc = px_sq_step_done(s, st, "store password")) < 0)
		return rc;
	if (sqlite3_changes(s->db) != 1)
		return px_error_set(PX_ENOTFOUND, "no user named '%s'", name);
	if ((st = uprep(s, S_DROP)) == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	px_sq_bind_text(st, 2, keep ? keep : "");
	return px_sq_step_done(s, st, "end other sessions");
}

int
px_sq_msg_actor_put(
    struct px_store *b, const char *hash, const char *person, const char *role)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, A_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	px_sq_bind_text(st, 2, person);
	px_sq_bind_text(st, 3, role);
	return px_sq_step_done(s, st, "record who acted");
}

int
px_sq_msg_actor_get(
    struct px_store *b, const char *hash, char **person, char **role)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = uprep(s, A_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*person = px_sq_col_dup(st, 0);
		if (role)
			*role = px_sq_col_dup(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no person acted for this message")
	    : px_sq_fail(s, "read who acted");
}
