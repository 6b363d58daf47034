/*
 * value_kind.h — whether an expression is an Option or a Result, as far as
 * the tree shows without types: the std method or function that made it, a
 * fn of this file whose signature says so, a parameter's or a `let`'s
 * declared type, or the value a `let` bound it from. unwrap_in_result uses
 * it to follow clippy (which reports an unwrap only of the kind the fn
 * returns) and unwrap_used to say what the value can be. Internal to
 * review/rules/.
 */
#ifndef RR_VALUE_KIND_H
#define RR_VALUE_KIND_H

#include "rules.h"

enum value_kind { VALUE_UNKNOWN = 0, VALUE_RESULT, VALUE_OPTION };

/*
 * The kind of expr (an `.unwrap()`'s receiver), read from:
 *  - its last call: a std method that only ever yields an Option (`get(k)`,
 *    `first()`, `next()`, `pop()`, `take()`, `checked_add(n)`, ...) or a
 *    Result (`parse()`, `lock()`, `try_into()`, `map_err(f)`, io calls, ...),
 *    matched with its number of arguments where a name is shared (`get(k)` is
 *    a map's Option, `get_mut()` a Mutex's LockResult); a std path call
 *    (`char::from_u32`, `NonZeroU32::new`: Option; `str::from_utf8`,
 *    `File::open`, `u8::try_from`, `fs::read`, `env::var`: Result);
 *    `write!`/`writeln!` (Result);
 *  - an adapter that keeps the kind (`as_ref()`, `as_mut()`, `map(f)`,
 *    `cloned()`, `and_then(f)`, ...): its receiver's kind;
 *  - a call of a fn or method this file declares: its declared return type,
 *    when every fn of that name in the file agrees and a std method of the
 *    name (if any) does not say otherwise;
 *  - a variable: the enclosing fn's parameter of that name (its type), or
 *    the nearest earlier `let` of it in an enclosing block (its type, or the
 *    kind of its value), unless a pattern in between (`match` arm, `if let`,
 *    closure, `for`) may rebind the name.
 * VALUE_UNKNOWN otherwise (a field, a tuple destructured, `?`, a fn of
 * another file). scope is expr's scope (its fn_item is searched).
 */
enum value_kind value_kind_of(struct rule_ctx *ctx, TSNode expr, const struct rust_scope *scope);

/* The same for the receiver of a `. unwrap ( )` written in a macro's token
 * tree, given its `.` token: a variable (`x.unwrap()`) or a method call
 * (`v.first().unwrap()`, `m.get(k).unwrap()`, arguments counted by commas). */
enum value_kind value_kind_in_tokens(struct rule_ctx *ctx, TSNode dot,
				     const struct rust_scope *scope);

/* The kind a type node names: `Option<..>` / `Result<..>` (also `&`, `&mut`,
 * `io::Result<T>`, `fmt::Result`), else VALUE_UNKNOWN. */
enum value_kind value_kind_of_type(TSNode type, const char *src);

#endif
