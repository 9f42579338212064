// The calendar: the open days with the places left, then that day's free times (CAT-3).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Availability } from '../api/types';
import { describeError } from '../errors';
import { formatDay, formatTime } from '../format';
import { t } from '../i18n';
import { fieldId } from './form';
import { ErrorWithRetry, Loading } from './page';

type Day = NonNullable<Availability['dates']>[number];

export interface Slot {
  date: string;
  time: string;
}

function nextDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

export function SlotPicker(props: {
  service: string;
  office: string;
  site: string;
  value: Slot | null;
  onChange: (slot: Slot) => void;
  error?: string | undefined;
  /** Changes when the free places must be read again (after a slot was taken meanwhile). */
  refresh?: number;
}) {
  const [days, setDays] = useState<Day[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState(false);
  const [chosenDay, setChosenDay] = useState<string | null>(props.value?.date ?? null);

  async function load(from?: string) {
    setError(null);
    try {
      const answer = await api.availability({ service: props.service, office: props.office, site: props.site, from, days: 14 });
      const open = (answer.dates ?? []).filter((day) => (day.slots ?? []).some((slot) => (slot.remaining ?? 0) > 0));
      setDays((old) => (from && old ? [...old, ...open] : open));
      setMore((answer.dates ?? []).length > 0);
    } catch (caught) {
      setError(caught);
    }
  }

  useEffect(() => {
    setDays(null);
    void load();
  }, [props.service, props.office, props.site, props.refresh]);

  useEffect(() => {
    if (days && chosenDay && !days.some((day) => day.date === chosenDay)) setChosenDay(null);
  }, [days]);

  if (error) return <ErrorWithRetry message={describeError(error)} onRetry={() => void load()} />;
  if (!days) return <Loading />;
  if (days.length === 0) return <p role="status">{t('slots.none')}</p>;
  const day = days.find((candidate) => candidate.date === chosenDay);
  const lastDate = days[days.length - 1]?.date;
  const id = fieldId('slot');
  return (
    <div>
      <fieldset aria-describedby={props.error ? `${id}-error` : undefined}>
        <legend class="h5 px-0">{t('slots.day')}</legend>
        <div class="slot-grid" id={id}>
          {days.map((candidate) => {
            const places = (candidate.slots ?? []).reduce((sum, slot) => sum + (slot.remaining ?? 0), 0);
            const dayId = `day-${candidate.date}`;
            return (
              <div class="slot" key={candidate.date}>
                <input
                  type="radio"
                  id={dayId}
                  name="day"
                  value={candidate.date}
                  checked={chosenDay === candidate.date}
                  onChange={() => setChosenDay(candidate.date ?? null)}
                />
                <label for={dayId}>
                  {formatDay(candidate.date ?? '', 'short')}
                  <span class="remaining">{t('slots.places', { count: places })}</span>
                </label>
              </div>
            );
          })}
        </div>
        {props.error && (
          <div id={`${id}-error`} class="invalid-feedback d-block">
            {props.error}
          </div>
        )}
      </fieldset>
      {more && lastDate && (
        <button type="button" class="btn btn-link px-0 mt-2" onClick={() => void load(nextDay(lastDate))}>
          {t('slots.later')}
        </button>
      )}
      {day && (
        <fieldset class="mt-4">
          <legend class="h5 px-0">{t('slots.time', { day: formatDay(day.date ?? '') })}</legend>
          <div class="slot-grid">
            {(day.slots ?? [])
              .filter((slot) => (slot.remaining ?? 0) > 0)
              .map((slot) => {
                const slotId = `time-${day.date}-${(slot.time ?? '').replace(':', '')}`;
                return (
                  <div class="slot" key={slot.time}>
                    <input
                      type="radio"
                      id={slotId}
                      name="time"
                      value={slot.time}
                      checked={props.value?.date === day.date && props.value?.time === slot.time}
                      onChange={() => props.onChange({ date: day.date ?? '', time: slot.time ?? '' })}
                    />
                    <label for={slotId}>
                      {formatTime(slot.time ?? '')}
                      <span class="remaining">{t('slots.places', { count: slot.remaining ?? 0 })}</span>
                    </label>
                  </div>
                );
              })}
          </div>
        </fieldset>
      )}
    </div>
  );
}
