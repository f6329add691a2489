#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes a small stream (one FULL section "dev", EOF, vmdesc) whose vmdesc
entry is hostile: gen-hostile-vmdesc.py KIND OUT [N]. KIND: fields (N
uint8 fields, repeating 10 names, over an N-byte body), big (one field
whose name is N bytes), deep (N nested structs), arraylen (huge array_len
and a size that overflows), dupkeys (duplicate keys in a field object)."""
import json,struct,sys
def stream(devjson, body):
    js=b'{"page_size":4096,"devices":[' + devjson + b']}'
    return (b'QEVM\0\0\0\3' + b'\x04\0\0\0\1\x03dev\0\0\0\0\0\0\0\1' + body +
            b'\x7e\0\0\0\1\x00\x06' + struct.pack('>I',len(js)) + js)
def dev(fields, extra=b''):
    return b'{"name":"dev","instance_id":0,"vmsd_name":"dev","version":1,' + extra + b'"fields":[' + fields + b']}'
kind=sys.argv[1]; out=sys.argv[2]
if kind=='fields':
    n=int(sys.argv[3])
    f=b','.join(b'{"name":"f%d","type":"uint8","size":1}' % (i % 10) for i in range(n))
    data=stream(dev(f), bytes(n))
elif kind=='big':
    data=stream(dev(b'{"name":"' + b'x'*(int(sys.argv[3])) + b'","type":"uint8","size":1}'), b'\1')
elif kind=='deep':
    n=int(sys.argv[3])
    f=b'{"name":"s","type":"struct","size":1,"struct":{"fields":['*n + b'{"name":"v","type":"uint8","size":1}' + b']}}'*n
    data=stream(dev(f), b'\1')
elif kind=='arraylen':
    data=stream(dev(b'{"name":"a","type":"uint8","size":0,"array_len":9223372036854775807},{"name":"b","type":"uint64","size":4611686018427387904,"array_len":4}'), bytes(16))
elif kind=='dupkeys':
    data=stream(dev(b'{"name":"a","name":"b","type":"uint8","type":"uint16","size":1,"size":2}'), b'\x12\x34')
open(out,'wb').write(data)
