// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A gate document read back (see gate_doc.h). Errors say where, as rule
 * errors do: a baseline is often edited by hand.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "gate_doc.h"
#include "report.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The whole buffer as one JSON value. */
static json_object *parse_json(const char *buf, size_t len, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;
	json_object *o = NULL;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (len > 0)
		o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o && jerr == json_tokener_success) {
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && is_blank(buf[end]))
			end++;
		if (end < len) {
			snprintf(err, errlen, "not JSON: character %zu: text after the document", end + 1);
			json_object_put(o);
			o = NULL;
		}
	} else {
		if (len == 0 || jerr == json_tokener_continue)
			snprintf(err, errlen, "not JSON: empty or cut short");
		else
			snprintf(err, errlen, "not JSON: character %zu: %s", json_tokener_get_parse_end(tok) + 1,
				 json_tokener_error_desc(jerr));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

json_object *wt_gate_doc_parse(const char *buf, size_t len, struct wt_metric_set *set, char *err, size_t errlen)
{
	json_object *doc, *v;

	memset(set, 0, sizeof(*set));
	if (!(doc = parse_json(buf, len, err, errlen)))
		return NULL;
	if (!json_object_object_get_ex(doc, "schema_version", &v) || json_object_get_int(v) != WT_SCHEMA_VERSION) {
		snprintf(err, errlen, "not a wtstat gate document of schema_version %d", WT_SCHEMA_VERSION);
		goto bad;
	}
	if (!json_object_object_get_ex(doc, "kind", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "gate")) {
		snprintf(err, errlen, "not a gate document (write one with 'wtstat gate --save FILE')");
		goto bad;
	}
	if (!json_object_object_get_ex(doc, "metrics", &v)) {
		snprintf(err, errlen, "no \"metrics\" in it");
		goto bad;
	}
	if (wt_metrics_from_json(set, v, err, errlen))
		goto bad;
	return doc;
bad:
	json_object_put(doc);
	return NULL;
}
