import { FixedClock } from './clock';
import { SiteCalendar } from './site-calendar';

describe('SiteCalendar: today at the site, by the injected clock', () => {
  it('gives each site its own calendar day at the clock’s instant, and follows the clock when it is set', () => {
    const clock = new FixedClock('2027-03-13T15:00:00Z');
    const calendar = new SiteCalendar(clock);
    // Midnight in Tokyo, 10:00 the morning before in Boston.
    expect(calendar.today('Asia/Tokyo')).toBe('2027-03-14');
    expect(calendar.today('America/New_York')).toBe('2027-03-13');
    clock.set('2027-03-14T05:00:00Z');
    const todayAt = calendar.todayAt();
    expect([todayAt('Asia/Tokyo'), todayAt('America/New_York')]).toEqual(['2027-03-14', '2027-03-14']);
  });

  it('works out the day at a given instant instead, when asked', () => {
    const calendar = new SiteCalendar(new FixedClock('2027-03-13T15:00:00Z'));
    expect(calendar.todayAt(new Date('2027-03-13T14:59:59Z'))('Asia/Tokyo')).toBe('2027-03-13');
  });
});
