// The record of one message: where it sits in our log, the inclusion
// proof to our latest checkpoint (checked by the node), who witnessed it
// and when, and where the peer's own log holds it.
import { t } from "./i18n.js";
import { h, api, fmtTime, session, fill } from "./util.js";

const yes = (b) => h("span", { class: b ? "ok" : "bad" }, b ? `✓ ${t("rec.ok")}` : `✗ ${t("rec.fail")}`);

export async function render(main, [hash]) {
	const r = await api("GET", `/api/v1/record/${hash}`);
	const z = session.me.timezone;
	const rows = [
		[t("rec.msg"), h("span", {}, t(`msg.${r.type}`), " · ", t("fromto", { from: r.from, to: r.to }), " · ",
			t("seqhash", { seq: r.seq, hash: "" }).trim(), " · ", fmtTime(r.time, z))],
		[t("rec.case"), h("a", { href: `#/case/${r.ref}` }, r.ref)],
		[t("rec.hash"), h("code", {}, r.hash)],
		[t("rec.entry"), r.entry
			? h("span", {}, t("rec.entryis", { i: r.entry.index, what: t(`rec.what.${r.entry.what}`) }))
			: t("rec.noentry")],
		[t("rec.leaf"), r.entry ? h("code", {}, r.entry.leaf_hash) : "—"],
		[t("rec.ckpt"), r.checkpoint ? t("rec.ckptis", { s: r.checkpoint.size, at: fmtTime(r.checkpoint.time, z) }) : "—"],
		[t("rec.proof"), r.proof ? h("span", {}, yes(r.proof.verified), " ",
			t("rec.proofis", { n: r.proof.hashes.length, s: r.proof.size })) : "—"],
		[t("rec.witness"), r.witnesses && r.witnesses.length
			? h("ul", { class: "obs" }, r.witnesses.map((w) => h("li", {},
				t("rec.witnessed", { p: w.peer, at: fmtTime(w.time, z), s: w.size }))))
			: h("span", { class: "stale" }, t("rec.nowitness"))],
		[t("rec.peer"), r.peer_entry
			? h("span", {}, t("rec.peeris", { p: r.peer_entry.peer, i: r.peer_entry.index, s: r.peer_entry.checkpoint_size }),
				" ", yes(r.peer_entry.verified))
			: t("rec.nopeer")],
	];
	fill(main, 
		h("p", {}, h("a", { href: `#/case/${r.ref}` }, "← ", t("rec.back"))),
		h("h1", {}, t("rec.title")),
		h("section", { class: "panel" }, h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
		r.proof ? h("details", { class: "panel" }, h("summary", {}, t("rec.hashes")),
			h("ol", { class: "mono" }, r.proof.hashes.map((x) => h("li", {}, x)))) : null,
		r.checkpoint ? h("details", { class: "panel" }, h("summary", {}, t("rec.note")),
			h("pre", { class: "mono" }, r.checkpoint.note)) : null);
	return null;
}
