/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json_get.h"

const char *json_str_of(json_object *v)
{
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                    : NULL;
}

int64_t json_int_of(json_object *v, int64_t dflt)
{
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v)
                                                 : dflt;
}

const char *json_get_str(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) ? json_str_of(v) : NULL;
}

int64_t json_get_int(json_object *o, const char *key, int64_t dflt)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) ? json_int_of(v, dflt) : dflt;
}
