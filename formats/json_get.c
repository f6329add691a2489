/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json_get.h"

const char *json_get_str(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

int64_t json_get_int(json_object *o, const char *key, int64_t dflt)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_int)) {
        return dflt;
    }
    return json_object_get_int64(v);
}
