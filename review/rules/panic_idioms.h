/*
 * panic_idioms.h — the panics Rust teams accept, which unwrap_used,
 * expect_used, unwrap_in_result and panic leave alone (each rule's
 * explanation says which), and what the tree shows about the enclosing fn so
 * that advice is given only where it compiles. Internal to review/rules/.
 */
#ifndef RR_PANIC_IDIOMS_H
#define RR_PANIC_IDIOMS_H

#include "rules.h"

/*
 * True when the enclosing fn's doc comment has a `# Panics` section: the
 * panic is part of its documented contract.
 */
bool idiom_panic_documented(const struct rule_ctx *ctx, const struct rust_scope *scope);

/*
 * True when the enclosing fn's name says it panics: it starts with `panic`
 * (`panic_if_poisoned`), `unwrap` or `expect` (an `unwrap_literal` helper),
 * or ends with `_or_panic`: the caller asked for the panic by name.
 */
bool idiom_fn_named_to_panic(const struct rule_ctx *ctx, const struct rust_scope *scope);

/* Either of the two above: the fn documents or names its panics. */
bool idiom_panic_accepted(const struct rule_ctx *ctx, const struct rust_scope *scope);

/* Drops the findings this rule added to ctx->out since it held `since`
 * (a check that reports first and asks the costlier idiom questions after). */
void idiom_retract(struct rule_ctx *ctx, size_t since);

/*
 * Reports message on each `. method ( .. )` call written in a token tree
 * (macro arguments) with nargs arguments (only empty vs not can be told),
 * except a lock's unwrap (idiom_tt_lock_unwrap) and, for nargs 1, a message
 * that states an invariant. Returns 0 or RR_ENOMEM.
 */
int idiom_tt_method_calls(struct rule_ctx *ctx, TSNode tt, const char *method, uint32_t nargs,
			  const char *message);

/*
 * True when call (`.unwrap()` / `.expect(..)`, a call_expression) unwraps the
 * LockResult of `.lock()`, `.read()`, `.write()` (no arguments) or of a
 * Condvar's `.wait(g)`, `.wait_while(g, f)`, `.wait_timeout(g, d)`,
 * `.wait_timeout_while(g, d, f)`: a poisoned lock means another thread
 * panicked while holding it, and passing that panic on is what std's own
 * examples do. `try_lock` is not one: its error is also WouldBlock.
 */
bool idiom_lock_unwrap(TSNode call, const char *src);
/* The same for `. name ( )` inside a token tree, given the method name token. */
bool idiom_tt_lock_unwrap(TSNode name, const char *src);

/*
 * True when call (`.unwrap()` / `.expect(..)`) sits in a branch of an `if` or
 * `match` whose condition tests the same value its receiver starts from
 * (`if queries.len() == 1 { queries.pop().unwrap() }`, `if e.is_io() {
 * e.into_io().unwrap() }`, `match (self.p.min(), ..) { (Some(_), _) =>
 * self.p.get().unwrap() }`): a checked precondition, not an unhandled error.
 */
bool idiom_checked_before(TSNode call, const char *src);

/*
 * True when `.unwrap()` / `.expect(..)` call is one of the accepted forms:
 * idiom_lock_unwrap, idiom_write_to_string, idiom_checked_before; an
 * unwrap of a literal parsed or compiled (`"none".parse()`,
 * `u32::from_str_radix("ff", 16)`, `Regex::new(r"^a$")`: a constant the first
 * test run would catch; not `File::open("x")`, which reads the disk; an expect
 * there still has its message judged); `.checked_*(..)` arithmetic (an
 * overflow assertion); or a comment on the lines just above or at the end of
 * the line that says why ("OK because both are finite", "cannot fail: ..."),
 * as an invariant expect message would.
 */
bool idiom_unwrap_accepted(const struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope);

/*
 * True when the argument of `.expect(..)` is a string literal that states an
 * invariant: why the value is there ("checked is_some above", "set by
 * new()", "polled after completion", "fewer than u32::MAX flags"), in the
 * style std's docs recommend for expect messages. A message that says what
 * went wrong instead ("failed to read config", "x is None", "error"), a
 * single word ("config", "literal"), or one that is not a literal is not one.
 */
bool idiom_expect_states_invariant(TSNode args, const char *src);

/*
 * True when `.unwrap()`'s receiver is `write!(s, ..)` / `writeln!(s, ..)`
 * into a `String` the enclosing fn made (`let mut s = String::new()`,
 * `String::with_capacity(..)`, `String::from(..)`, `let mut s: String`):
 * fmt::Write for String never fails.
 */
bool idiom_write_to_string(TSNode call, const char *src, const struct rust_scope *scope);

/* What the enclosing fn returns, as far as its signature shows. */
enum idiom_ret { IDIOM_RET_OTHER, IDIOM_RET_RESULT, IDIOM_RET_OPTION };
/* RET_OTHER also inside a closure or async block (`?` leaves those, not the
 * fn) and in a const fn (no `?` there). */
enum idiom_ret idiom_enclosing_return(const struct rule_ctx *ctx, const struct rust_scope *scope);

#endif
