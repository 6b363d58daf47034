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

/*
 * True when an explicit `panic!` (first/last as rule_each_macro_call hands
 * them) is a branch the code says is never taken: its message or a comment
 * next to it says so ("bug", "unreachable", "should never happen", "OK
 * because .."), the reason an `unreachable!("..")` would state; or it is an
 * arm of a `match` on `self` (`Kind::B => panic!(..)`, not `None`/`Err(..)`)
 * in a fn only this crate can call: the method was called on the wrong kind
 * of value, a bug in the crate's own code.
 */
bool idiom_panic_explained(const struct rule_ctx *ctx, TSNode first, TSNode last,
			   const struct rust_scope *scope);

/* Drops the findings this rule added to ctx->out since it held `since`
 * (a check that reports first and asks the costlier idiom questions after). */
void idiom_retract(struct rule_ctx *ctx, size_t since);

/*
 * Reports message on each `. method ( .. )` call written in a token tree
 * (macro arguments) with nargs arguments (only empty vs not can be told),
 * except a lock's unwrap (idiom_tt_lock_unwrap), a Future's state unwrapped
 * (`ready!(self.inner.as_mut().unwrap().poll(cx))`, as in
 * idiom_unwrap_accepted) and, for nargs 1, a message that states an
 * invariant. Returns 0 or RR_ENOMEM.
 */
int idiom_tt_method_calls(struct rule_ctx *ctx, TSNode tt, const struct rust_scope *scope,
			  const char *method, uint32_t nargs, const char *message);

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
 * True when the enclosing fn has checked the value call (`.unwrap()` /
 * `.expect(..)`) depends on before it: the variable or `self.field` its
 * receiver starts from (or, for `u8::try_from(ch)`, the call's arguments).
 * Checked means, on the way from the fn's start to the call:
 *  - a branch of an `if` or `match` whose condition tests the value
 *    (`if q.len() == 1 { q.pop().unwrap() }`), directly or through a local
 *    bound from it (`let min = self.p.min(); match (min, ..) { (Some(_), _)
 *    => self.p.get().unwrap() }`); not the branch a plain `x.is_none()` /
 *    `x.is_some()` test says is the wrong one;
 *  - an earlier statement that leaves when the test fails (`if
 *    !ch.is_ascii() { return .. }`, `let Some(..) = x else { .. }`, a
 *    `match` with an arm that returns, continues, breaks or panics,
 *    `x.check()?`), or asserts it (`assert!(x.len() > 1)`);
 *  - `x = Some(..)` / `let x = Ok(..)` stored just before an unwrap of x
 *    itself (through `.as_ref()`, `.as_mut()`, `.take()`), with no
 *    `x.take()` or `x = None` in between.
 * A checked precondition, not an unhandled error. Bounded per file.
 */
bool idiom_checked_before(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope);

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
bool idiom_unwrap_accepted(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope);

/*
 * True when the argument of `.expect(..)` is a string literal that states an
 * invariant: why the value is there ("checked is_some above", "set by
 * new()", "polled after completion", "fewer than u32::MAX flags"), in the
 * style std's docs recommend for expect messages. A message that says what
 * went wrong instead ("failed to read config", "x is None", "error"), a
 * single word ("config", "literal"), or one that is not a literal is not one.
 */
bool idiom_expect_states_invariant(TSNode args, const char *src);
/* True when the message is a literal that says what went wrong ("failed to
 * read config", "x is None") rather than naming the value or a reason. */
bool idiom_expect_says_what_failed(TSNode args, const char *src);

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

/* unwrap_used's comment on call, naming its receiver and what it can be (by
 * value_kind_of: the call that made it, a declared type, a `let`): heap,
 * NULL on allocation failure. */
char *idiom_unwrap_message(struct rule_ctx *ctx, TSNode call, const struct rust_scope *scope);

#endif
