/* test_idioms.c — what the panic rules (unwrap_used, expect_used,
 * unwrap_in_result, panic) and the rules with a test-code scope leave alone,
 * and what they still report: each class of accepted code next to the
 * nearest code that must stay reported, with exact lines. The Rust here is
 * written for these tests. */
#include "engine_testutil.h"

static void assert_where_at(const char *path, const char *src, const char *rule, const char *want)
{
	et_assert_where(path, src, rule, NULL, want);
}

static void assert_where(const char *src, const char *rule, const char *want)
{
	assert_where_at("src/lib.rs", src, rule, want);
}

/* --- scope: rules that only matter where the code ships ----------------------- */

static void test_todo_and_format_push_string_only_in_production(void **state)
{
	static const char SRC[] =
		"pub fn render(n: usize) -> String {\n"
		"    let mut s = String::new();\n"
		"    s.push_str(&format!(\"{n}\"));\n"
		"    if n > 9 { todo!(\"wide\") }\n"
		"    s\n"
		"}\n"
		"#[cfg(test)]\n"
		"mod tests {\n"
		"    fn fixture(n: usize) -> String {\n"
		"        let mut s = String::new();\n"
		"        s.push_str(&format!(\"{n}\"));\n"
		"        if n > 9 { todo!(\"wide\") }\n"
		"        s\n"
		"    }\n"
		"}\n";
	(void)state;
	assert_where(SRC, "format_push_string", "3:5");
	assert_where(SRC, "todo", "4:16");
	assert_where_at("tests/render.rs", SRC, "todo", "");
	assert_where_at("benches/render.rs", SRC, "format_push_string", "");
	assert_where_at("examples/render.rs", SRC, "todo", "");
}

static void test_run_time_rules_only_in_production(void **state)
{
	static const char SRC[] =
		"pub fn root(p: &Path, cwd: &Path) -> PathBuf {\n"
		"    p.strip_prefix(cwd).unwrap_or(cwd.join(\"x\").as_path()).to_path_buf()\n"
		"}\n"
		"#[cfg(test)]\n"
		"mod tests {\n"
		"    fn root(p: &Path, cwd: &Path) -> PathBuf {\n"
		"        p.strip_prefix(cwd).unwrap_or(cwd.join(\"x\").as_path()).to_path_buf()\n"
		"    }\n"
		"}\n";
	(void)state;
	assert_where(SRC, "or_fun_call", "2:25");
	assert_where_at("tests/root.rs", SRC, "or_fun_call", "");
	assert_where_at("benches/root.rs", SRC, "or_fun_call", "");
}

static void test_unsafe_in_bench_harness_left_alone(void **state)
{
	static const char SRC[] =
		"pub fn read(p: *const u8) -> u8 {\n"
		"    unsafe { *p }\n"
		"}\n";
	(void)state;
	assert_where_at("benches/support/io.rs", SRC, "undocumented_unsafe_blocks", "");
	assert_where_at("crates/x/benches/io.rs", SRC, "undocumented_unsafe_blocks", "");
	/* Tests, examples and the library keep the rule. */
	assert_where_at("tests/io.rs", SRC, "undocumented_unsafe_blocks", "2:5");
	assert_where_at("examples/io.rs", SRC, "undocumented_unsafe_blocks", "2:5");
	assert_where_at("src/benches.rs", SRC, "undocumented_unsafe_blocks", "2:5");
	assert_where_at("src/io.rs", SRC, "undocumented_unsafe_blocks", "2:5");
}

/* --- guards: the fn checked the value before the call ------------------------ */

static void test_early_exit_guards(void **state)
{
	static const char SRC[] =
		"fn byte(ch: char) -> Lookup {\n"                              /* 1 */
		"    if !ch.is_ascii() {\n"
		"        return Lookup::Unknown(ch);\n"
		"    }\n"
		"    let b = u8::try_from(ch).unwrap();\n"                       /* 5 */
		"    Lookup::Byte(b)\n"
		"}\n"
		"fn first(caps: &mut Caps) -> usize {\n"
		"    if !caps.found() {\n"
		"        return 0;\n"                                            /* 10 */
		"    }\n"
		"    caps.get(0).unwrap().end\n"
		"}\n"
		"fn each(items: &[Option<u8>]) -> u32 {\n"
		"    let mut n = 0;\n"                                           /* 15 */
		"    for it in items {\n"
		"        if it.is_none() { continue; }\n"
		"        n += u32::from(it.unwrap());\n"
		"    }\n"
		"    n\n"                                                        /* 20 */
		"}\n"
		"fn elsewise(q: &Queue) -> u8 {\n"
		"    let Some(head) = q.peek() else { panic!(\"empty\") };\n"
		"    q.front().unwrap() + head\n"
		"}\n"                                                            /* 25 */
		"fn asserted(v: &mut Vec<u8>) -> u8 {\n"
		"    assert!(v.len() > 1);\n"
		"    v.pop().unwrap()\n"
		"}\n"
		"fn matched(locs: &Locs, i: usize) -> Option<usize> {\n"         /* 30 */
		"    let m = match locs.get(i) {\n"
		"        None => return None,\n"
		"        Some(m) => m,\n"
		"    };\n"
		"    Some(m.end.max(locs.get(0).unwrap().end))\n"               /* 35 */
		"}\n";
	(void)state;
	assert_where(SRC, "unwrap_used", "");
	assert_where(SRC, "unwrap_in_result", "");
}

static void test_exits_that_prove_nothing(void **state)
{
	static const char SRC[] =
		"fn unrelated(ch: char, other: Option<u8>) -> u8 {\n"           /* 1 */
		"    if !ch.is_ascii() {\n"
		"        return 0;\n"
		"    }\n"
		"    other.unwrap()\n"                                           /* 5 */
		"}\n"
		"fn wrong_way(x: Option<u8>) -> u8 {\n"
		"    if x.is_some() {\n"
		"        return 1;\n"
		"    }\n"                                                        /* 10 */
		"    x.unwrap()\n"
		"}\n"
		"fn no_exit(x: Option<u8>) -> u8 {\n"
		"    if x.is_none() {\n"
		"        log(\"missing\");\n"                                    /* 15 */
		"    }\n"
		"    x.unwrap()\n"
		"}\n"
		"fn later(x: Option<u8>) -> u8 {\n"
		"    let y = x.unwrap();\n"                                      /* 20 */
		"    if x.is_none() { return 0; }\n"
		"    y\n"
		"}\n"
		"fn wrong_branch(x: Option<u8>) -> u8 {\n"
		"    if x.is_none() { x.unwrap() } else { 0 }\n"                  /* 25 */
		"}\n"
		"fn in_closure(v: Option<u8>) -> impl Fn() -> u8 {\n"
		"    if v.is_none() { return || 0; }\n"
		"    move || v.unwrap()\n"
		"}\n";                                                           /* 30 */
	(void)state;
	/* The closure runs later: the exit before it is not on its path. */
	assert_where(SRC, "unwrap_used", "5:11 11:7 17:7 20:15 25:24 29:15");
}

static void test_checks_through_locals_and_stored_values(void **state)
{
	static const char SRC[] =
		"fn pick(&self) -> Option<Lits> {\n"                            /* 1 */
		"    let p = self.prefixes.min_len();\n"
		"    let s = self.suffixes.min_len();\n"
		"    let lits = match (p, s) {\n"
		"        (None, None) => return None,\n"                         /* 5 */
		"        (Some(_), None) => self.prefixes.lits().unwrap(),\n"
		"        (None, Some(_)) => self.suffixes.lits().unwrap(),\n"
		"        (Some(_), Some(_)) => self.other.lits().unwrap(),\n"
		"    };\n"
		"    Some(lits)\n"                                               /* 10 */
		"}\n"
		"fn stored(&mut self, v: u8) -> u8 {\n"
		"    self.cur = Some(v);\n"
		"    *self.cur.as_ref().unwrap()\n"
		"}\n"                                                            /* 15 */
		"fn stored_then_taken(&mut self, v: u8) -> u8 {\n"
		"    self.cur = Some(v);\n"
		"    let old = self.cur.take();\n"
		"    self.cur.unwrap() + old.unwrap_or(0)\n"
		"}\n"                                                            /* 20 */
		"fn deeper(v: Vec<u8>) -> u8 {\n"
		"    let x = Some(v);\n"
		"    *x.unwrap().first().unwrap()\n"
		"}\n"
		"fn lits(&self) -> Option<Lits> { None }\n";                    /* 25 */
	(void)state;
	/* self.other was never tested (8); a Some stored in x says nothing of
	 * x's first element (23); a take() in between undoes the store (19). */
	assert_where(SRC, "unwrap_in_result", "8:48");
	assert_where(SRC, "unwrap_used", "19:14 23:25");
}

/* --- a Future's state kept in an Option until it completes -------------------- */

static void test_future_state_in_poll(void **state)
{
	static const char SRC[] =
		"impl<T: Io> Future for Upgrade<T> {\n"                         /* 1 */
		"    type Output = Result<()>;\n"
		"    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {\n"
		"        ready!(Pin::new(&mut self.inner.as_mut().unwrap().conn).poll(cx))?;\n"
		"        let parts = self.inner.take().unwrap().into_parts();\n"  /* 5 */
		"        let n = self.count.unwrap();\n"
		"        let extra = self.queue.pop().unwrap();\n"
		"        Poll::Ready(Ok(()))\n"
		"    }\n"
		"}\n"                                                            /* 10 */
		"impl Shutdown {\n"
		"    fn finish(&mut self) -> Parts {\n"
		"        self.inner.take().unwrap().into_parts()\n"
		"    }\n"
		"}\n"                                                            /* 15 */
		"fn projected(self: Pin<&mut Self>) {}\n"
		"impl<F> Stream for Chunks<F> {\n"
		"    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u8>> {\n"
		"        let this = self.project();\n"
		"        let f = this.fut.as_pin_mut().unwrap();\n"               /* 20 */
		"        let other = GLOBAL.slot.as_mut().unwrap();\n"
		"        f.poll(cx)\n"
		"    }\n"
		"}\n";
	(void)state;
	/* Not the state: a field unwrapped as is (6), a popped element (7), a
	 * state taken outside a poll method (13), a global (21). */
	assert_where(SRC, "unwrap_used", "6:28 7:38 13:27 21:42");
}

static void test_future_state_in_poll_fn(void **state)
{
	static const char SRC[] =
		"pub async fn finish(self) -> Result<Parts> {\n"                /* 1 */
		"    let mut conn = Some(self);\n"
		"    let other: Option<Conn> = lookup();\n"
		"    poll_fn(move |cx| {\n"
		"        ready!(conn.as_mut().unwrap().poll_done(cx))?;\n"       /* 5 */
		"        let o = other.as_mut().unwrap();\n"
		"        Poll::Ready(Ok(conn.take().unwrap().into_parts()))\n"
		"    })\n"
		"    .await\n"
		"}\n"                                                            /* 10 */
		"pub fn once(self) -> Parts {\n"
		"    let mut conn = Some(self);\n"
		"    with_ctx(|cx| conn.take().unwrap().into_parts(cx))\n"
		"}\n"
		"pub fn not_taken(self) -> Parts {\n"                            /* 15 */
		"    let mut conn = Some(self);\n"
		"    let f = move || conn.as_mut().unwrap().id();\n"
		"    f()\n"
		"}\n";
	(void)state;
	/* `other` was not made Some by the fn (6); a plain closure that only
	 * borrows the value is not the take-once idiom (17); one that takes it
	 * (13) is: an FnOnce called through an FnMut. */
	assert_where(SRC, "unwrap_used", "6:32 17:35");
}

/* --- conversions and constants ----------------------------------------------- */

static void test_conversions_that_cannot_fail(void **state)
{
	static const char SRC[] =
		"fn digits(mut n: u64, m: i64, x: u32) -> u8 {\n"               /* 1 */
		"    let a = u8::try_from(n % 10).unwrap();\n"
		"    let b = u8::try_from(x & 0xff).unwrap();\n"
		"    let c = u8::try_from((m as u32) % 100).unwrap();\n"
		"    let d = u8::try_from(m % 10).unwrap();\n"                   /* 5 */
		"    let e = u8::try_from(n % 1000).unwrap();\n"
		"    let f = u8::try_from(x & 0x1ff).unwrap();\n"
		"    let g = i8::try_from(n % 200).unwrap();\n"
		"    a + b + c + d + e + f + g as u8\n"
		"}\n";                                                           /* 10 */
	(void)state;
	/* A signed remainder can be negative (5); the bound does not fit (6, 7, 8). */
	assert_where(SRC, "unwrap_used", "5:34 6:36 7:37 8:35");
}

static void test_builders_fed_constants(void **state)
{
	static const char SRC[] =
		"pub fn unix() -> Pattern {\n"                                  /* 1 */
		"    PatternBuilder::new().text(b\"file://\").host().text(b\"/\").file().build().unwrap()\n"
		"}\n"
		"pub fn from_user(prefix: &[u8]) -> Pattern {\n"
		"    PatternBuilder::new().text(prefix).file().build().unwrap()\n"  /* 5 */
		"}\n"
		"pub fn bare() -> Pattern {\n"
		"    PatternBuilder::new().file().build().unwrap()\n"
		"}\n";
	(void)state;
	/* Input in the chain (5); no literal at all: nothing parsed (8). */
	assert_where(SRC, "unwrap_used", "5:55 8:42");
}

/* --- reasons in comments and docs --------------------------------------------- */

static void test_comment_over_parallel_statements(void **state)
{
	static const char SRC[] =
		"fn shortest(a: Seq, b: Seq) -> Seq {\n"                        /* 1 */
		"    // OK because both sequences are finite here.\n"
		"    let n1 = a.len().unwrap();\n"
		"    let n2 = b.len().unwrap();\n"
		"    let n3 = b.first().unwrap();\n"                             /* 5 */
		"\n"
		"    let n4 = a.len().unwrap();\n"
		"    pick(n1, n2, n3, n4)\n"
		"}\n";
	(void)state;
	/* Line 5 is not parallel to line 3; line 7 is past a blank line. */
	assert_where(SRC, "unwrap_used", "5:24 7:22");
}

static void test_docs_that_state_the_panic(void **state)
{
	static const char SRC[] =
		"pub trait Captures {\n"                                        /* 1 */
		"    fn get(&self, i: usize) -> Option<Match>;\n"
		"    /// The overall match: equivalent to `get(0).unwrap()`.\n"
		"    fn as_match(&self) -> Match {\n"
		"        self.get(0).unwrap()\n"                                 /* 5 */
		"    }\n"
		"    /// The first group, like `get(0).unwrap()`.\n"
		"    fn first_group(&self) -> Match {\n"
		"        self.get(1).unwrap()\n"
		"    }\n"                                                        /* 10 */
		"}\n"
		"/// Returns the head. Panics if the list is empty.\n"
		"pub fn head(v: &[u8]) -> u8 {\n"
		"    *v.first().unwrap()\n"
		"}\n"                                                            /* 15 */
		"/// Returns the head; never panics.\n"
		"pub fn head_or(v: &[u8]) -> u8 {\n"
		"    *v.first().unwrap()\n"
		"}\n";
	(void)state;
	/* The doc shows another call (9); "never panics" is the opposite (18). */
	assert_where(SRC, "unwrap_used", "9:21 18:16");
}

/* --- panic! --------------------------------------------------------------------- */

static void test_panics_that_say_why(void **state)
{
	static const char SRC[] =
		"pub fn send(rx: Receiver) -> Result<Resp> {\n"                 /* 1 */
		"    match rx.recv() {\n"
		"        Ok(r) => Ok(r),\n"
		"        // a definite bug if this happens: the sender always replies\n"
		"        Err(_) => panic!(\"dispatch dropped without a reply\"),\n"   /* 5 */
		"    }\n"
		"}\n"
		"pub fn parse(v: &str) -> u8 {\n"
		"    match v {\n"
		"        \"a\" => 1,\n"                                              /* 10 */
		"        _ => panic!(\"internal error: tokenizer gave {v}\"),\n"
		"    }\n"
		"}\n"
		"pub fn load(p: &Path) -> Config {\n"
		"    match read(p) {\n"                                          /* 15 */
		"        Ok(c) => c,\n"
		"        Err(e) => panic!(\"cannot read {}: {e}\", p.display()),\n"
		"    }\n"
		"}\n";
	(void)state;
	assert_where(SRC, "panic", "17:19");
}

static void test_panic_on_own_variant_in_private_fn(void **state)
{
	static const char SRC[] =
		"impl Caps {\n"                                                  /* 1 */
		"    pub(crate) fn slots(&mut self) -> &mut Slots {\n"
		"        match self.0 {\n"
		"            Imp::Literal { .. } => panic!(\"slots of a literal matcher\"),\n"
		"            Imp::Regex { ref mut slots } => slots,\n"            /* 5 */
		"        }\n"
		"    }\n"
		"    fn timeout(&self, d: Dur) -> Dur {\n"
		"        match *self {\n"
		"            Caps::Empty => { panic!(\"no timer set\") }\n"         /* 10 */
		"            Caps::Timer(_) => d,\n"
		"        }\n"
		"    }\n"
		"    pub fn public(&self) -> u8 {\n"
		"        match self.0 {\n"                                       /* 15 */
		"            Imp::Literal { .. } => panic!(\"literal\"),\n"
		"            Imp::Regex { .. } => 1,\n"
		"        }\n"
		"    }\n"
		"    fn state(&self) -> u8 {\n"                                  /* 20 */
		"        match self.cur {\n"
		"            Some(s) => s,\n"
		"            None => panic!(\"no state\"),\n"
		"        }\n"
		"    }\n"                                                        /* 25 */
		"    fn input(&self, v: Kind) -> u8 {\n"
		"        match v {\n"
		"            Kind::A => 1,\n"
		"            Kind::B => panic!(\"unsupported\"),\n"
		"        }\n"                                                    /* 30 */
		"    }\n"
		"}\n";
	(void)state;
	/* Public (16), a missing value (23), input rather than self (29). */
	assert_where(SRC, "panic", "16:36 23:21 29:24");
}

/* --- what the comment says ------------------------------------------------------ */

static void assert_message(const char *src, const char *want)
{
	struct finding_list l = et_review("src/lib.rs", src, NULL, NULL);
	const struct finding *f = et_nth(&l, "unwrap_used", 0);
	if (strcmp(f->message, want) != 0)
		fail_msg("message:\n%s\nwant:\n%s", f->message, want);
	finding_list_free(&l);
}

static void test_unwrap_message_names_the_value(void **state)
{
	(void)state;
	assert_message("fn f(v: &[u8]) -> u8 { *v.last().unwrap() }\n",
		       "`.unwrap()` panics if `v.last()` is `None`, with a message that names neither "
		       "the value nor why it was missing. Handle the `None` case (`if let`, `match`, "
		       "`unwrap_or(..)`, or return an error), or, if it cannot be `None` here, say why "
		       "with `.expect(\"..\")`.");
	assert_message("fn f(s: &str) -> u8 { s.trim().parse().unwrap() }\n",
		       "`.unwrap()` panics if `s.trim().parse()` fails, with the error's Debug text and "
		       "nothing about what was being done. Handle the `Err` (`match`, "
		       "`unwrap_or_else(..)`, or return it), or, if it cannot fail here, say why with "
		       "`.expect(\"..\")`.");
	assert_message("fn f(r: Result<u8, E>) -> u8 { r.unwrap() }\n",
		       "`.unwrap()` panics if `r` fails, with the error's Debug text and nothing about "
		       "what was being done. Handle the `Err` (`match`, `unwrap_or_else(..)`, or return "
		       "it), or, if it cannot fail here, say why with `.expect(\"..\")`.");
	assert_message("fn f(c: &Conn) -> u8 { c.peer().unwrap() }\n",
		       "`.unwrap()` panics if `c.peer()` is `None` or `Err`, with a message that names "
		       "neither the value nor the cause. Handle that case (`match`, `if let`, "
		       "`unwrap_or_else(..)`, or return an error), or, if it cannot happen here, say "
		       "why with `.expect(\"..\")`.");
}

/* expect_used says what its message does: a text that says what failed, or
 * one that gives no reason (a label naming the value, a constant). */
static void test_expect_message_follows_its_text(void **state)
{
	static const char SRC[] =
		"fn f(a: Option<u8>, b: Option<u8>, c: Option<u8>) -> u8 {\n"
		"    a.expect(\"a is None\") + b.expect(\"current header name\") + c.expect(MSG)\n"
		"}\n";
	static const char *const first[] = {
		"`.expect(..)` panics when the value is `None` or `Err`, and this message says what "
		"failed rather than why it cannot fail.",
		"`.expect(..)` panics when the value is `None` or `Err`, and this message does not say "
		"why that cannot happen here.",
		"`.expect(..)` panics when the value is `None` or `Err`, and this message does not say "
		"why that cannot happen here.",
	};
	struct finding_list l = et_review("src/lib.rs", SRC, NULL, NULL);
	(void)state;
	assert_int_equal(et_count_rule(&l, "expect_used"), 3);
	for (size_t i = 0; i < 3; i++) {
		const char *m = et_nth(&l, "expect_used", i)->message;
		if (strncmp(m, first[i], strlen(first[i])) != 0)
			fail_msg("finding %zu:\n%s\nwant it to start:\n%s", i, m, first[i]);
	}
	finding_list_free(&l);
}

static void test_guards_read_whole_statements(void **state)
{
	char src[4096];
	char pad[1200];
	(void)state;
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	/* The take() sits far into a long statement: it still undoes the Some(..)
	 * (line 4); the closure's own take is the take-once idiom (line 3). */
	snprintf(src, sizeof(src),
		 "fn run(f: F) -> u8 {\n"
		 "    let mut f = Some(f);\n"
		 "    let res = with(|x| { let _s = \"%s\"; (f.take().unwrap())() });\n"
		 "    match res { Ok(v) => v, Err(_) => (f.take().unwrap())() }\n"
		 "}\n"
		 "impl Driver {\n"
		 "    fn drain(&mut self) {\n"
		 "        match self.rx.read(&mut buf) {\n"
		 "            Ok(0) => panic!(\"EOF on the pipe\"),\n"
		 "            _ => {}\n"
		 "        }\n"
		 "    }\n"
		 "}\n", pad);
	assert_where(src, "unwrap_used", "4:49");
	/* A match on a call's result is input, not the value's own variant. */
	assert_where(src, "panic", "9:22");
}

static void test_short_circuit_and_state_bindings(void **state)
{
	static const char SRC[] =
		"fn children(&self) -> bool {\n"                                /* 1 */
		"    self.current().is_some() && self.current().unwrap().has_children()\n"
		"}\n"
		"fn empty_or_small(x: Option<u8>) -> bool {\n"
		"    x.is_none() || x.unwrap() < 3\n"                             /* 5 */
		"}\n"
		"fn wrong(x: Option<u8>) -> bool {\n"
		"    x.is_none() && x.unwrap() < 3\n"
		"}\n"
		"impl AsyncRead for Blocking {\n"                                 /* 10 */
		"    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {\n"
		"        match self.state {\n"
		"            State::Idle(ref mut buf_cell) => {\n"
		"                let buf = buf_cell.take().unwrap();\n"
		"                Poll::Ready(())\n"                                /* 15 */
		"            }\n"
		"            State::Busy(ref mut rx) => {\n"
		"                let other = OTHER.take().unwrap();\n"
		"                Poll::Pending\n"
		"            }\n"                                                  /* 20 */
		"        }\n"
		"    }\n"
		"}\n";
	(void)state;
	/* `&&` after an absence test (8); a global, not the state (18). */
	assert_where(SRC, "unwrap_used", "8:22 18:42");
}

/* A panic! handed to a macro this file defines: that macro decides where it
 * runs. A macro of another file or crate's arguments stay reported. */
static void test_panic_handed_to_local_macro(void **state)
{
	static const char SRC[] =
		"macro_rules! try_control {\n"
		"    ($e:expr, $p:stmt) => { if $e.prune() { $p } };\n"
		"}\n"
		"pub fn visit(v: V) {\n"
		"    try_control!(v.finish(), panic!(\"pruning on finish\"));\n"     /* 5 */
		"    log!(\"{}\", panic!(\"in a foreign macro\"));\n"
		"    try_control_more!(v, panic!(\"prefix of a local name\"));\n"
		"}\n";
	(void)state;
	assert_where(SRC, "panic", "6:16 7:26");
}

/* `let x;` has no value: the stored-Some guard must not read one (it did,
 * and crashed on the url crate's parser; tests/fuzz/crashes keeps the input). */
static void test_binding_declared_without_value(void **state)
{
	static const char SRC[] =
		"pub fn f(a: Option<u8>) -> u8 {\n"
		"    let x;\n"
		"    x = a;\n"
		"    x.unwrap()\n"
		"}\n";
	(void)state;
	assert_where(SRC, "unwrap_used", "4:7");
}

/* A path the parser could not finish (`std::env%::var`, a scoped identifier
 * without its path) reaches the literal-parsing idiom: it must read no path
 * rather than a null node (it crashed; tests/fuzz/crashes keeps the input). */
static void test_unfinished_path_in_a_receiver(void **state)
{
	static const char SRC[] =
		"pub fn f() -> String {\n"
		"    let out = std::env%::var(\"OUT_DIR\").unwrap();\n"
		"    let dir = std::env::var(\"DIR\").unwrap();\n"
		"    out + &dir\n"
		"}\n";
	(void)state;
	assert_where(SRC, "unwrap_used", "2:41 3:36");
}

/* A method call at the very start of a macro's tokens (`m!(.unwrap())`)
 * leaves no tokens before it: the Future-state idiom must stop there, not
 * step past the first token (it did, through a null node; the fuzzer's input
 * is kept in tests/fuzz/crashes). */
static void test_method_call_first_in_macro_tokens(void **state)
{
	static const char SRC[] =
		"pub fn f(o: Option<u8>) -> u8 {\n"
		"    m!(.unwrap());\n"
		"    n!(.take().unwrap());\n"
		"    o.unwrap()\n"
		"}\n";
	(void)state;
	assert_where(SRC, "unwrap_used", "2:9 3:16 4:7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_todo_and_format_push_string_only_in_production),
		cmocka_unit_test(test_run_time_rules_only_in_production),
		cmocka_unit_test(test_unsafe_in_bench_harness_left_alone),
		cmocka_unit_test(test_early_exit_guards),
		cmocka_unit_test(test_exits_that_prove_nothing),
		cmocka_unit_test(test_checks_through_locals_and_stored_values),
		cmocka_unit_test(test_future_state_in_poll),
		cmocka_unit_test(test_future_state_in_poll_fn),
		cmocka_unit_test(test_conversions_that_cannot_fail),
		cmocka_unit_test(test_builders_fed_constants),
		cmocka_unit_test(test_comment_over_parallel_statements),
		cmocka_unit_test(test_docs_that_state_the_panic),
		cmocka_unit_test(test_panics_that_say_why),
		cmocka_unit_test(test_panic_on_own_variant_in_private_fn),
		cmocka_unit_test(test_unwrap_message_names_the_value),
		cmocka_unit_test(test_expect_message_follows_its_text),
		cmocka_unit_test(test_guards_read_whole_statements),
		cmocka_unit_test(test_short_circuit_and_state_bindings),
		cmocka_unit_test(test_panic_handed_to_local_macro),
		cmocka_unit_test(test_binding_declared_without_value),
		cmocka_unit_test(test_unfinished_path_in_a_receiver),
		cmocka_unit_test(test_method_call_first_in_macro_tokens),
	};
	return cmocka_run_group_tests(tests, et_setup, et_teardown);
}
