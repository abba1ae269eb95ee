"""Capture link types (pcap, pcapng, gzip of either), for the category of a comparison."""

import gzip
import struct

LINKTYPES = {0: 'null', 1: 'ethernet', 6: 'token-ring', 8: 'slip', 9: 'ppp', 10: 'fddi', 12: 'raw', 14: 'raw',
             50: 'ppp-hdlc', 51: 'pppoe', 101: 'raw', 104: 'cisco-hdlc', 105: 'ieee802.11', 108: 'loop',
             113: 'linux-sll', 119: 'prism', 127: 'radiotap', 143: 'docsis', 163: 'avs', 192: 'ppi',
             228: 'ipv4', 229: 'ipv6', 276: 'linux-sll2'}


def link_types(path):
    try:
        with open(path, 'rb') as f:
            head = f.read(2)
        opener = gzip.open if head == b'\x1f\x8b' else open
        with opener(path, 'rb') as f:
            data = f.read(1 << 20)
    except (OSError, EOFError) as e:
        return None, 'unreadable: %s' % e
    if len(data) < 24:
        return set(), 'empty'
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1', b'\x34\xcd\xb2\xa1'):
        return {struct.unpack('<I', data[20:24])[0] & 0x03FFFFFF}, 'pcap'
    if magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d', b'\xa1\xb2\xcd\x34'):
        return {struct.unpack('>I', data[20:24])[0] & 0x03FFFFFF}, 'pcap'
    if magic == b'\x0a\x0d\x0d\x0a':
        types, off, endian = set(), 0, '<'
        while off + 12 <= len(data):
            btype = struct.unpack(endian + 'I', data[off:off + 4])[0]
            if btype == 0x0A0D0D0A:
                bom = data[off + 8:off + 12]
                endian = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            blen = struct.unpack(endian + 'I', data[off + 4:off + 8])[0]
            if btype == 1 and off + 10 <= len(data):
                types.add(struct.unpack(endian + 'H', data[off + 8:off + 10])[0])
            if blen < 12:
                break
            off += blen
        return types, 'pcapng'
    return set(), 'unknown format'


def linktype_name(types):
    if not types:
        return 'unknown'
    names = sorted({LINKTYPES.get(t, 'dlt-%d' % t) for t in types})
    return '+'.join(names)
