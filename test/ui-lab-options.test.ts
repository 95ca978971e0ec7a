// Lab settings from the page URL: each accepted form, and each refused one with its sentence.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeLab, MAX_LOSS_PERCENT, readLabOptions } from '../src/ui/lab-options.ts';

const lab = suite('ui/lab-options readLabOptions');

lab('no query: links default mode, no loss, no problems', () => {
  assert.equal(readLabOptions(''), { lossRate: 0, problems: [] });
});

lab('channel modes', () => {
  assert.equal(readLabOptions('?channel=unordered'), { channelMode: 'unordered', lossRate: 0, problems: [] });
  assert.equal(readLabOptions('?channel=reliable'), { channelMode: 'reliable', lossRate: 0, problems: [] });
  assert.equal(readLabOptions('?channel=udp').problems, ['Unknown channel mode "udp" ignored; use reliable or unordered.']);
  assert.is(readLabOptions('?channel=udp').channelMode, undefined);
});

const GOOD: [string, number][] = [
  ['0', 0],
  ['1', 0.01],
  ['5', 0.05],
  ['0.5', 0.005],
  ['12.25', 0.1225],
  [String(MAX_LOSS_PERCENT), MAX_LOSS_PERCENT / 100],
];
for (const [value, rate] of GOOD) {
  lab(`loss=${value} drops ${rate} of frames`, () => {
    assert.equal(readLabOptions(`?link=nic&loss=${value}`), { lossRate: rate, problems: [] });
  });
}

for (const value of ['', '51', '100', '-1', '5%', '1e1', '0.125', 'abc', ' 5']) {
  lab(`loss=${JSON.stringify(value)} is ignored with a sentence`, () => {
    const got = readLabOptions(`?loss=${encodeURIComponent(value)}`);
    assert.is(got.lossRate, 0);
    assert.equal(got.problems, [`Frame loss "${value}" ignored; use a percentage from 0 to ${MAX_LOSS_PERCENT}.`]);
  });
}

lab('both problems at once, in query order of the checks', () => {
  assert.equal(readLabOptions('?loss=99&channel=x').problems, [
    'Unknown channel mode "x" ignored; use reliable or unordered.',
    'Frame loss "99" ignored; use a percentage from 0 to 50.',
  ]);
});

lab('describeLab', () => {
  assert.is(describeLab({ lossRate: 0 }), null);
  assert.is(describeLab({ channelMode: 'reliable', lossRate: 0 }), null);
  assert.is(describeLab({ channelMode: 'unordered', lossRate: 0 }), 'lab: unordered channels, no retransmits');
  assert.is(describeLab({ lossRate: 0.05 }), 'lab: dropping 5% of frames sent');
  assert.is(describeLab({ channelMode: 'unordered', lossRate: 0.1225 }), 'lab: unordered channels, no retransmits, dropping 12.25% of frames sent');
  assert.is(describeLab({ lossRate: 0.07 }), 'lab: dropping 7% of frames sent');
});

lab.run();
